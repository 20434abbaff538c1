# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# netns-lib.sh - what record.sh and record-routed.sh share: messages,
# namespaces and their cleanup, waiting for files, the capture's end, peers.
# Sourced, not run.  The script sets REC_TAG (its name in messages),
# NAMESPACES (every namespace it creates), CAPTURES (its captures' folder),
# RUN, PIDS, TCPDUMP_PID, CHECK_DIR and OUT_DIR, and defines usage, list,
# ensure_tools and record_one, before calling these.

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

recorder_main() {  # recorder_main ARGS...: the command line of either script
  local -a names=() args=("$@")
  local check=0 keep=0 out_set=0
  while (($#)); do
    case $1 in
      -h|--help) usage; exit 0 ;;
      --list) list; exit 0 ;;
      --check) check=1 ;;
      --keep) keep=1 ;;
      --out) [[ $# -ge 2 ]] || die "--out needs a directory"; OUT_DIR=$2; out_set=1; shift ;;
      --out=*) OUT_DIR=${1#--out=}; out_set=1 ;;
      all) names+=("${SCENARIOS[@]}") ;;
      -*) die "unknown option: $1 (see --help)" ;;
      *) [[ -n "${DESCRIPTION[$1]+x}" ]] || die "unknown scenario: $1 (see --list)"; names+=("$1") ;;
    esac
    shift
  done
  if ((check)); then
    ((${#names[@]})) || names=("${SCENARIOS[@]}")
    ((out_set == 0)) || die "--check records into a temporary folder; --out cannot be used with it"
  fi
  ((${#names[@]})) || { usage >&2; exit 2; }
  [[ $EUID -eq 0 ]] || die "must run as root (network namespaces, tcpdump, sysctl): sudo $0 ${args[*]}"
  if ((check)); then
    [[ -f "$REPO/$CAPTURES/lifecycles.txt" ]] || die "no $CAPTURES/lifecycles.txt to check against"
    OUT_DIR=$(mktemp -d "/tmp/hs-check${REC_TAG#record}.XXXXXX")
    CHECK_DIR=$OUT_DIR
  fi
  mkdir -p "$OUT_DIR"
  OUT_DIR=$(cd "$OUT_DIR" && pwd)

  ensure_tools
  trap on_exit EXIT
  trap 'log "interrupted"; exit 130' INT TERM
  log "kernel $(uname -r), $("$PY" --version 2>&1 | head -n1), $(tcpdump --version 2>&1 | head -n1)"
  local n
  for n in "${names[@]}"; do record_one "$n"; done
  log "done: ${#names[@]} capture(s) in $OUT_DIR"
  ((check)) || return 0

  log "comparing with $CAPTURES/lifecycles.txt (direction, flags, payload length of every packet)"
  local rc=0
  "$PY" "$HERE/check_lifecycles.py" --expected "$REPO/$CAPTURES/lifecycles.txt" \
    "$OUT_DIR" "${names[@]}" || rc=$?
  if ((rc == 0)); then
    log "check passed: the new recordings have the same lifecycles"
    if ((keep)); then log "recordings kept in $OUT_DIR"; else rm -rf "$OUT_DIR"; fi
  else
    log "check FAILED: recordings kept in $OUT_DIR"
  fi
  CHECK_DIR=""
  return "$rc"
}
