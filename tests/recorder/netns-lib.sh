# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# netns-lib.sh - what record.sh and record-routed.sh share: messages,
# namespaces and their cleanup, waiting for files, the capture's end, peers.
# Sourced, not run.  The script sets REC_TAG (its name in messages),
# NAMESPACES (every namespace it creates), RUN, PIDS, TCPDUMP_PID and
# CHECK_DIR before calling these.

log() { printf '[%s] %s\n' "$REC_TAG" "$*" >&2; }

die() { printf '[%s] error: %s\n' "$REC_TAG" "$*" >&2; exit 1; }

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -x "$1" >/dev/null; }

kill_pid() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    sleep 0.2
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

teardown() {
  local pid ns
  if [[ -n "$TCPDUMP_PID" ]]; then kill_pid "$TCPDUMP_PID"; TCPDUMP_PID=""; fi
  for pid in "${PIDS[@]}"; do kill_pid "$pid"; done
  PIDS=()
  for ns in "${NAMESPACES[@]}"; do
    if ns_exists "$ns"; then
      # Only processes we started can live in these namespaces.
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  if [[ -n "$RUN" && -d "$RUN" ]]; then rm -rf "$RUN"; fi
  RUN=""
}

on_exit() {
  local rc=$?
  teardown
  if [[ -n "$CHECK_DIR" ]]; then
    log "check FAILED (a recording failed): recordings so far kept in $CHECK_DIR"
  fi
  exit "$rc"
}

wait_for_file() {  # wait_for_file PATH SECONDS [ROLE whose process must stay alive]
  local path=$1 limit=$(( $2 * 20 )) role=${3:-} pid i=0
  while [[ ! -e "$path" ]]; do
    if [[ -n "$role" ]]; then
      [[ $role == client ]] && pid=$CLIENT_PID || pid=$SERVER_PID
      if ! kill -0 "$pid" 2>/dev/null; then
        sed "s/^/[$REC_TAG]   $role: /" "$RUN/$role.log" >&2
        die "$SCENARIO: $role exited before $(basename "$path") appeared"
      fi
    fi
    ((++i <= limit)) || die "timed out waiting for $(basename "$path")"
    sleep 0.05
  done
}

stop_capture() {
  # Let the last packet (e.g. a final ACK) reach the wire and the file:
  # wait until the file has not grown for 0.5 s.
  local size=-1 new i=0
  while :; do
    sleep 0.5
    new=$(stat -c %s "$RUN/capture.pcap" 2>/dev/null || echo 0)
    [[ $new == "$size" ]] && break
    size=$new
    ((++i <= 40)) || break
  done
  kill -INT "$TCPDUMP_PID"
  wait "$TCPDUMP_PID" || true
  TCPDUMP_PID=""
  grep -E "packets (captured|dropped by kernel)" "$RUN/tcpdump.err" | sed "s/^/[$REC_TAG]   tcpdump: /" >&2 || true
  grep -q "^0 packets dropped by kernel" "$RUN/tcpdump.err" || die "tcpdump dropped packets"
}

start_peer() {
  local role=$1 ns
  [[ $role == client ]] && ns=$CLI || ns=$SRV
  ip netns exec "$ns" timeout 120 "$PY" "$HERE/peer.py" --run-dir "$RUN" --family "$FAMILY" \
    "$SCENARIO" "$role" >"$RUN/$role.log" 2>&1 &
  PIDS+=("$!")
  eval "${role^^}_PID=\$!"
}

wait_peer() {
  local role=$1 pid rc=0
  [[ $role == client ]] && pid=$CLIENT_PID || pid=$SERVER_PID
  wait "$pid" || rc=$?
  sed "s/^/[$REC_TAG]   $role: /" "$RUN/$role.log" >&2
  ((rc == 0)) || die "$SCENARIO: $role failed (exit $rc)"
}
