#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# record.sh - record real TCP lifecycle captures for the Handshake plugin.
#
# Every scenario runs with real kernel sockets (tests/recorder/peer.py) in two
# private network namespaces joined by a veth pair; tcpdump captures on the
# client-side veth.  Nothing is sent outside these namespaces.
# See --help and captures/real/README.md.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT_DIR="$REPO/captures/real"
PY=${PYTHON:-}

SCENARIOS=(
  normal-4way close-3way refused syn-unanswered synack-retrans
  client-abort server-abort half-close simultaneous-close simultaneous-open
  port-reuse tfo ecn ipv6 midstream open-at-end one-side-closed-at-end
)

declare -A DESCRIPTION=(
  [normal-4way]="handshake, request/response, client close(), server close() 0.5 s later: FIN, ACK, FIN, ACK"
  [close-3way]="as normal-4way but the server closes at once on EOF: FIN, FIN+ACK, ACK"
  [refused]="connect to a port nobody listens on: SYN, RST+ACK"
  [syn-unanswered]="server drops inbound SYNs (nftables); client tcp_syn_retries=3: SYN at 0, 1, 3, 7 s, ETIMEDOUT at 15 s"
  [synack-retrans]="server drops the client's first handshake ACK (nftables); server retransmits SYN+ACK"
  [client-abort]="established connection, client SO_LINGER {1,0} + close(): client RST"
  [server-abort]="established connection, server SO_LINGER {1,0} + close(): server RST"
  [half-close]="client request then shutdown(SHUT_WR); server sends 5 chunks, then closes"
  [simultaneous-close]="both close() at the same moment, 50 ms delay each way: the FINs cross"
  [simultaneous-open]="two sockets on fixed ports connect() to each other, 50 ms delay: the SYNs cross"
  [port-reuse]="same 4-tuple twice: client closes first (TIME_WAIT), rebinds with SO_REUSEADDR, reconnects"
  [tfo]="TCP Fast Open, tcp_fastopen=3: cookie request, then data on the SYN"
  [ecn]="tcp_ecn=1 on both sides: ECN-setup SYN / SYN+ACK, data, close"
  [ipv6]="normal-4way over IPv6 (fd00:0:0:1::/64)"
  [midstream]="capture starts after the handshake and first exchange; more data, normal close"
  [open-at-end]="capture stops while the connection is still established"
  [one-side-closed-at-end]="client FIN acked by the server; capture stops before the server closes"
)

# Network layout.
CLI_IF=hs-c
SRV_IF=hs-s
CLI_MAC=02:00:5e:00:00:01
SRV_MAC=02:00:5e:00:00:02
CLI4=198.18.0.1
SRV4=198.18.0.2
CLI6=fd00:0:0:1::1
SRV6=fd00:0:0:1::2

CLI="hs-cli-$$"
SRV="hs-srv-$$"
RUN=""
PIDS=()
TCPDUMP_PID=""

usage() {
  cat <<EOF
Usage: sudo $0 [--out DIR] all | NAME...
       $0 --list | --help

Records real TCP lifecycles into DIR/NAME.pcap (default DIR: captures/real).
Must run as root: it creates network namespaces ($CLI / $SRV style names),
a veth pair (198.18.0.1/24 <-> 198.18.0.2/24 and fd00:0:0:1::1/64 <->
fd00:0:0:1::2/64), sets per-namespace sysctls, nftables/iptables rules and
runs tcpdump.  Missing tools (iproute2, tcpdump, nftables, iptables, python3,
ethtool) are installed with apt-get.  Everything it creates is removed on exit,
even on failure; no packet leaves the two namespaces.

Options:
  --list      list scenario names with a one-line description
  --out DIR   write the captures to DIR instead of captures/real
  --help      this text

Compare two recordings with tests/recorder/summarize.py.
EOF
}

log() { printf '[record] %s\n' "$*" >&2; }
die() { printf '[record] error: %s\n' "$*" >&2; exit 1; }

list() {
  local s
  for s in "${SCENARIOS[@]}"; do printf '%-24s %s\n' "$s" "${DESCRIPTION[$s]}"; done
}

# ---------------------------------------------------------------------------
# Dependencies

ensure_tools() {
  local -a need=()
  command -v ip >/dev/null || need+=(iproute2)
  command -v tc >/dev/null || need+=(iproute2)
  command -v tcpdump >/dev/null || need+=(tcpdump)
  command -v nft >/dev/null || need+=(nftables)
  command -v iptables >/dev/null || need+=(iptables)
  command -v ethtool >/dev/null || need+=(ethtool)
  if [[ -z "$PY" ]]; then
    if command -v python3 >/dev/null; then PY=$(command -v python3); else need+=(python3); fi
  fi
  if ((${#need[@]})); then
    log "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  [[ -n "$PY" ]] || PY=$(command -v python3)
}

# ---------------------------------------------------------------------------
# Namespaces, capture, cleanup

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

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
  for ns in "$CLI" "$SRV"; do
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
  exit "$rc"
}

setup_ns() {
  RUN=$(mktemp -d /tmp/hs-record.XXXXXX)
  ip netns add "$CLI"
  ip netns add "$SRV"
  ip link add "$CLI_IF" address "$CLI_MAC" netns "$CLI" type veth \
    peer name "$SRV_IF" address "$SRV_MAC" netns "$SRV"
  local ns dev
  for ns in "$CLI" "$SRV"; do
    [[ $ns == "$CLI" ]] && dev=$CLI_IF || dev=$SRV_IF
    ip -n "$ns" link set lo up
    # No router solicitations / autoconf noise on the link.
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_ra=0" "net.ipv6.conf.$dev.autoconf=0"
    # Real-sized segments and real checksums on the wire.
    ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off >/dev/null 2>&1 ||
      ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null
  done
  ip -n "$CLI" addr add "$CLI4/24" dev "$CLI_IF"
  ip -n "$SRV" addr add "$SRV4/24" dev "$SRV_IF"
  ip -n "$CLI" -6 addr add "$CLI6/64" dev "$CLI_IF" nodad
  ip -n "$SRV" -6 addr add "$SRV6/64" dev "$SRV_IF" nodad
  ip -n "$CLI" link set "$CLI_IF" up
  ip -n "$SRV" link set "$SRV_IF" up
  # Static neighbours: no ARP / neighbour discovery in the middle of a scenario.
  ip -n "$CLI" neigh replace "$SRV4" lladdr "$SRV_MAC" dev "$CLI_IF" nud permanent
  ip -n "$SRV" neigh replace "$CLI4" lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent
  ip -n "$CLI" -6 neigh replace "$SRV6" lladdr "$SRV_MAC" dev "$CLI_IF" nud permanent
  ip -n "$SRV" -6 neigh replace "$CLI6" lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent
}

# ns_sysctl NS KEY=VALUE...
ns_sysctl() {
  local ns=$1; shift
  ip netns exec "$ns" sysctl -qw "$@"
  log "  sysctl ($( [[ $ns == "$CLI" ]] && echo client || echo server )): $*"
}

wait_for_file() {  # wait_for_file PATH SECONDS [ROLE whose process must stay alive]
  local path=$1 limit=$(( $2 * 20 )) role=${3:-} pid i=0
  while [[ ! -e "$path" ]]; do
    if [[ -n "$role" ]]; then
      [[ $role == client ]] && pid=$CLIENT_PID || pid=$SERVER_PID
      if ! kill -0 "$pid" 2>/dev/null; then
        sed "s/^/[record]   $role: /" "$RUN/$role.log" >&2
        die "$SCENARIO: $role exited before $(basename "$path") appeared"
      fi
    fi
    ((++i <= limit)) || die "timed out waiting for $(basename "$path")"
    sleep 0.05
  done
}

start_capture() {
  # --immediate-mode: hand every packet to tcpdump at once (the default
  # TPACKET_V3 ring buffer holds packets for up to a second, and packets
  # still held when tcpdump is stopped are lost); -U: write each at once.
  ip netns exec "$CLI" tcpdump -i "$CLI_IF" -n --immediate-mode -U -Z root \
    -w "$RUN/capture.pcap" tcp \
    2>"$RUN/tcpdump.err" &
  TCPDUMP_PID=$!
  local i=0
  until grep -q "listening on" "$RUN/tcpdump.err" 2>/dev/null; do
    kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$RUN/tcpdump.err" >&2; die "tcpdump failed"; }
    ((++i <= 200)) || die "tcpdump did not start"
    sleep 0.05
  done
  sleep 0.2
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
  grep -E "packets (captured|dropped by kernel)" "$RUN/tcpdump.err" | sed 's/^/[record]   tcpdump: /' >&2 || true
  grep -q "^0 packets dropped by kernel" "$RUN/tcpdump.err" || die "tcpdump dropped packets"
}

# start_peer client|server  -> background process, pid in PIDS
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
  sed "s/^/[record]   $role: /" "$RUN/$role.log" >&2
  ((rc == 0)) || die "$SCENARIO: $role failed (exit $rc)"
}

# Fixed one-way delay of DELAY_MS in each direction, applied in the server
# namespace (inbound from and outbound to the client).  This kernel may lack
# sch_netem, so we try netem first and fall back to NFQUEUE + nfq_delay.py.
start_delay() {
  local ms=$1
  if ip netns exec "$SRV" tc qdisc add dev "$SRV_IF" root netem delay "${ms}ms" 2>/dev/null &&
     ip netns exec "$CLI" tc qdisc add dev "$CLI_IF" root netem delay "${ms}ms" 2>/dev/null; then
    log "  delay: netem ${ms} ms on both veth ends"
    return
  fi
  ip netns exec "$SRV" tc qdisc del dev "$SRV_IF" root 2>/dev/null || true
  ip netns exec "$SRV" "$PY" "$HERE/nfq_delay.py" --queue 0 --delay-ms "$ms" \
    --ready-file "$RUN/delay.ready" >"$RUN/delay.log" 2>&1 &
  PIDS+=("$!")
  wait_for_file "$RUN/delay.ready" 10
  local ipt ip6t
  if ip netns exec "$SRV" iptables -t mangle -A PREROUTING -p tcp -j NFQUEUE --queue-num 0 --queue-bypass 2>/dev/null; then
    ipt=iptables ip6t=ip6tables
  else
    ipt=iptables-legacy ip6t=ip6tables-legacy
    ip netns exec "$SRV" $ipt -t mangle -A PREROUTING -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
  fi
  ip netns exec "$SRV" $ipt -t mangle -A OUTPUT -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
  ip netns exec "$SRV" $ip6t -t mangle -A PREROUTING -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
  ip netns exec "$SRV" $ip6t -t mangle -A OUTPUT -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
  log "  delay: ${ms} ms each way via $ipt NFQUEUE + nfq_delay.py in the server namespace (no sch_netem)"
}

# nft_server RULE: add RULE to an input chain in the server namespace.
nft_server() {
  ip netns exec "$SRV" nft -f - <<EOF
table inet hs_record {
  chain input {
    type filter hook input priority 0; policy accept;
    $1
  }
}
EOF
  log "  nft (server input): $1"
}

nft_server_count() {
  ip netns exec "$SRV" nft list chain inet hs_record input |
    sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n1
}

# ---------------------------------------------------------------------------
# Scenarios

SETTINGS=(net.ipv4.tcp_timestamps net.ipv4.tcp_sack net.ipv4.tcp_window_scaling
  net.ipv4.tcp_ecn net.ipv4.tcp_fastopen net.ipv4.tcp_syn_retries net.ipv4.tcp_tw_reuse
  net.ipv4.tcp_congestion_control)

log_settings() {
  local ns who
  for ns in "$CLI" "$SRV"; do
    [[ $ns == "$CLI" ]] && who=client || who=server
    log "  $who settings: $(ip netns exec "$ns" sysctl -n "${SETTINGS[@]}" 2>/dev/null |
      paste -d= <(printf '%s\n' "${SETTINGS[@]#net.ipv4.}") - | tr '\n' ' ')"
  done
}

run_peers() {  # the usual order: server listens, then the client starts
  start_peer server
  wait_for_file "$RUN/server.ready" 10 server
  start_peer client
  wait_peer client
  wait_peer server
}

record_one() {
  SCENARIO=$1
  FAMILY=4
  [[ $SCENARIO == ipv6 ]] && FAMILY=6
  log "$SCENARIO: ${DESCRIPTION[$SCENARIO]}"
  setup_ns

  case $SCENARIO in  # scenario-specific settings
    syn-unanswered)
      ns_sysctl "$CLI" net.ipv4.tcp_syn_retries=3
      # Some kernels (this one: 6.18 with net.ipv4.tcp_syn_linear_timeouts=4)
      # add linear-backoff SYN retries on top of tcp_syn_retries; turn them
      # off for the classic 1 s, 2 s, 4 s exponential backoff.
      if ip netns exec "$CLI" test -e /proc/sys/net/ipv4/tcp_syn_linear_timeouts; then
        ns_sysctl "$CLI" net.ipv4.tcp_syn_linear_timeouts=0
      fi ;;
    tfo)
      ns_sysctl "$CLI" net.ipv4.tcp_fastopen=3
      ns_sysctl "$SRV" net.ipv4.tcp_fastopen=3 ;;
    ecn)
      ns_sysctl "$CLI" net.ipv4.tcp_ecn=1
      ns_sysctl "$SRV" net.ipv4.tcp_ecn=1 ;;
  esac
  log_settings

  case $SCENARIO in
    normal-4way|close-3way|refused|client-abort|server-abort|half-close|ipv6|port-reuse|tfo|ecn)
      start_capture; run_peers; stop_capture ;;

    syn-unanswered)
      nft_server "tcp dport 8080 tcp flags & (syn | ack) == syn counter drop"
      start_capture; run_peers; stop_capture ;;

    synack-retrans)
      # Drop every non-SYN segment from the client until the first one (the
      # handshake ACK) has been dropped, then remove the rule.  The server's
      # SYN+ACK retransmission comes 1 s later and the client's answer to it
      # completes the handshake.
      nft_server "tcp dport 8080 tcp flags & (syn | ack) == ack counter drop"
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      local i=0
      until [[ "$(nft_server_count)" -ge 1 ]]; do
        ((++i <= 200)) || die "the handshake ACK was never dropped"
        sleep 0.01
      done
      ip netns exec "$SRV" nft delete table inet hs_record
      log "  nft: rule removed once the first handshake ACK was dropped"
      wait_peer client
      wait_peer server
      stop_capture ;;

    simultaneous-close|simultaneous-open)
      start_delay 50
      start_capture; run_peers; stop_capture ;;

    midstream)
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/established" 20 client
      start_capture
      touch "$RUN/capture.started"
      wait_peer client
      wait_peer server
      stop_capture ;;

    open-at-end|one-side-closed-at-end)
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/established" 20 client
      stop_capture
      touch "$RUN/capture.stopped"
      wait_peer client
      wait_peer server ;;

    *) die "unknown scenario: $SCENARIO" ;;
  esac

  local count
  count=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$RUN/tcpdump.err")
  [[ -n "$count" && "$count" -gt 0 ]] || die "$SCENARIO: empty capture"
  ((count < 100)) || die "$SCENARIO: $count packets, expected fewer than 100"
  mkdir -p "$OUT_DIR"
  install -m 0644 "$RUN/capture.pcap" "$OUT_DIR/$SCENARIO.pcap"
  log "  wrote $OUT_DIR/$SCENARIO.pcap ($count packets)"
  teardown
}

# ---------------------------------------------------------------------------

main() {
  local -a names=() args=("$@")
  while (($#)); do
    case $1 in
      -h|--help) usage; exit 0 ;;
      --list) list; exit 0 ;;
      --out) [[ $# -ge 2 ]] || die "--out needs a directory"; OUT_DIR=$2; shift ;;
      --out=*) OUT_DIR=${1#--out=} ;;
      all) names+=("${SCENARIOS[@]}") ;;
      -*) die "unknown option: $1 (see --help)" ;;
      *) [[ -n "${DESCRIPTION[$1]+x}" ]] || die "unknown scenario: $1 (see --list)"; names+=("$1") ;;
    esac
    shift
  done
  ((${#names[@]})) || { usage >&2; exit 2; }
  [[ $EUID -eq 0 ]] || die "must run as root (network namespaces, tcpdump, sysctl): sudo $0 ${args[*]}"
  mkdir -p "$OUT_DIR"
  OUT_DIR=$(cd "$OUT_DIR" && pwd)

  ensure_tools
  trap on_exit EXIT
  trap 'log "interrupted"; exit 130' INT TERM
  log "kernel $(uname -r), $("$PY" --version 2>&1 | head -n1), $(tcpdump --version 2>&1 | head -n1)"
  local n
  for n in "${names[@]}"; do record_one "$n"; done
  log "done: ${#names[@]} capture(s) in $OUT_DIR"
}

main "$@"
