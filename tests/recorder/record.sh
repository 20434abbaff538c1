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
  midstream-open server-closed-at-end fin-retrans fin-unacked syn-then-rst
  half-open-discovery synack-stale synack-new-isn syn-missed
  one-way-client one-way-server wscale-off-server sack-off-server timestamps-off rst-oracle
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
  [midstream-open]="capture starts after the handshake and stops before any close: data both ways only"
  [server-closed-at-end]="server shutdown(SHUT_WR) acked by the client; capture stops before the client closes"
  [fin-retrans]="the ACK of the client's FIN is dropped once (nftables, server output): the FIN is retransmitted"
  [fin-unacked]="everything from the server is dropped after the client's FIN (nftables); capture stops first"
  [syn-then-rst]="SYN from a Python raw socket: the client kernel answers the SYN+ACK with a RST"
  [half-open-discovery]="client abort RST dropped (nftables): new SYN, challenge ACK, RST, SYN again"
  [synack-stale]="SYN+ACK dropped; client gives up and reconnects with a new ISN; the stale SYN+ACK retransmission is reset"
  [synack-new-isn]="first SYN+ACK dropped at the client; server restarts its listener: new ISN in the second SYN+ACK"
  [syn-missed]="SYN+ACK held (NFQUEUE) until the capture has started: the capture begins with the SYN+ACK"
  [one-way-client]="normal-4way, but the capture keeps only the client's packets (tcpdump -Q out)"
  [one-way-server]="two connections (4-way close, then server abort), the capture keeps only the server's packets (tcpdump -Q in)"
  [wscale-off-server]="normal-4way, server tcp_window_scaling=0: its SYN+ACK drops window scaling, so neither side scales"
  [sack-off-server]="normal-4way, server tcp_sack=0: its SYN+ACK leaves out SACK-permitted"
  [timestamps-off]="normal-4way, client tcp_timestamps=0: no timestamps on the SYN, so none on the SYN+ACK either"
  [rst-oracle]="raw-socket injections on an established connection: RST in the window, RST outside it, SYN, then RST at RCV.NXT; the server kernel's challenge ACKs and reset"
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
CHECK_DIR=""
REC_TAG=record
CAPTURES=captures/real      # where the lifecycles to --check against are
NAMESPACES=("$CLI" "$SRV")
# shellcheck source-path=SCRIPTDIR source=netns-lib.sh
. "$HERE/netns-lib.sh"

usage() {
  cat <<EOF
Usage: sudo $0 [--out DIR] all | NAME...
       sudo $0 --check [--keep] [NAME...]
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
  --check     record the scenarios (default: all) into a temporary folder and
              compare their lifecycles (summarize.py --lengths: direction,
              flags and payload length of every packet, connection by
              connection) with captures/real/lifecycles.txt; prints a diff
              and exits 1 on any difference.  ISNs, timestamps and times are
              not compared.
  --keep      with --check: keep the temporary folder even when all match
  --help      this text

Compare two recordings with tests/recorder/summarize.py.
EOF
}


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


start_capture() {  # start_capture [in|out]: -Q, the direction to keep
  local -a dir=()
  [[ -n "${1:-}" ]] && dir=(-Q "$1")
  # --immediate-mode: hand every packet to tcpdump at once (the default
  # TPACKET_V3 ring buffer holds packets for up to a second, and packets
  # still held when tcpdump is stopped are lost); -U: write each at once.
  ip netns exec "$CLI" tcpdump -i "$CLI_IF" -n --immediate-mode -U -Z root "${dir[@]}" \
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


# start_peer client|server  -> background process, pid in PIDS


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

# nft_rule client|server input|output RULE: add RULE (with a counter) to an
# inet filter chain of that namespace, in table hs_record.
nft_rule() {
  local ns
  [[ $1 == client ]] && ns=$CLI || ns=$SRV
  ip netns exec "$ns" nft -f - <<EOF
table inet hs_record {
  chain $2 {
    type filter hook $2 priority 0; policy accept;
    $3
  }
}
EOF
  log "  nft ($1 $2): $3"
}

# nft_count client|server input|output: the first rule's packet counter.
nft_count() {
  local ns
  [[ $1 == client ]] && ns=$CLI || ns=$SRV
  ip netns exec "$ns" nft list chain inet hs_record "$2" |
    sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n1
}

# nft_wait_count client|server input|output N: wait until N packets matched.
nft_wait_count() {
  local i=0
  until [[ "$(nft_count "$1" "$2")" -ge "$3" ]]; do
    ((++i <= 1000)) || die "$SCENARIO: the nftables rule ($1 $2) never matched $3 packet(s)"
    sleep 0.01
  done
}

nft_delete() {  # nft_delete client|server
  local ns
  [[ $1 == client ]] && ns=$CLI || ns=$SRV
  ip netns exec "$ns" nft delete table inet hs_record
  log "  nft ($1): rules removed"
}

nft_server() { nft_rule server input "$1"; }
nft_server_count() { nft_count server input; }

# iptables (or iptables-legacy) in the server namespace.
ipt_server() {
  ip netns exec "$SRV" iptables "$@" 2>/dev/null || ip netns exec "$SRV" iptables-legacy "$@"
}

# ---------------------------------------------------------------------------
# Scenarios

SETTINGS=(net.ipv4.tcp_timestamps net.ipv4.tcp_sack net.ipv4.tcp_window_scaling
  net.ipv4.tcp_ecn net.ipv4.tcp_fastopen net.ipv4.tcp_syn_retries net.ipv4.tcp_tw_reuse
  net.ipv4.tcp_congestion_control net.ipv4.tcp_early_retrans)

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
    wscale-off-server) ns_sysctl "$SRV" net.ipv4.tcp_window_scaling=0 ;;
    sack-off-server)   ns_sysctl "$SRV" net.ipv4.tcp_sack=0 ;;
    timestamps-off)    ns_sysctl "$CLI" net.ipv4.tcp_timestamps=0 ;;
    fin-unacked)
      # No FIN retransmission before the capture stops: no tail loss probe,
      # and a minimum RTO of 5 s on the client's route (the default 200 ms
      # would retransmit the FIN 0.2, 0.6, 1.4 ... s later, a number of
      # packets that would depend on when tcpdump stops).
      ns_sysctl "$CLI" net.ipv4.tcp_early_retrans=0
      ip -n "$CLI" route replace 198.18.0.0/24 dev "$CLI_IF" proto kernel scope link src "$CLI4" rto_min 5s
      log "  route (client): $(ip -n "$CLI" route show 198.18.0.0/24)" ;;
  esac
  log_settings

  case $SCENARIO in
    normal-4way|close-3way|refused|client-abort|server-abort|half-close|ipv6|port-reuse|tfo|ecn|syn-then-rst|\
    wscale-off-server|sack-off-server|timestamps-off|rst-oracle)
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

    midstream-open)
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/established" 20 client
      start_capture
      touch "$RUN/capture.started"
      wait_for_file "$RUN/exchanged" 20 client
      stop_capture
      touch "$RUN/capture.stopped"
      wait_peer client
      wait_peer server ;;

    server-closed-at-end)
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/established" 20 server
      stop_capture
      touch "$RUN/capture.stopped"
      wait_peer client
      wait_peer server ;;

    fin-retrans)
      # Drop the server's next pure ACK (the delayed ACK of the client's
      # FIN) on its way out, once: the capture never sees it, the client
      # retransmits its FIN after its RTO, and that copy is ACKed.
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/close.ready" 20 client
      nft_rule server output "tcp sport 8080 tcp flags & (fin | syn | rst | ack) == ack counter drop"
      touch "$RUN/rule.added"
      nft_wait_count server output 1
      nft_delete server
      wait_peer client
      wait_peer server
      stop_capture ;;

    fin-unacked)
      # Drop everything the server sends once the client is about to close:
      # the ACK of the FIN never comes; the capture stops 1 s after the FIN.
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/close.ready" 20 client
      nft_rule server output "tcp sport 8080 counter drop"
      touch "$RUN/rule.added"
      wait_for_file "$RUN/fin.sent" 20 client
      nft_wait_count server output 1
      stop_capture
      touch "$RUN/capture.stopped"
      wait_peer client
      wait_peer server ;;

    half-open-discovery)
      # The client's abort (RST+ACK) is dropped at the server, which keeps a
      # half-open connection.  The kernel's own RST answering the challenge
      # ACK has no ACK flag and passes.
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/close.ready" 20 client
      nft_rule server input "tcp dport 8080 tcp flags & (rst | ack) == rst | ack counter drop"
      touch "$RUN/rule.added"
      nft_wait_count server input 1
      nft_delete server
      wait_peer client
      wait_peer server
      stop_capture ;;

    synack-stale)
      # Everything the server sends is dropped until 0.2 s after the client's
      # second SYN: its SYN+ACK to the first SYN and its ACK answering the
      # second (out of window) SYN.  Its SYN+ACK retransmission (1 s after
      # the first) passes.
      nft_rule server output "tcp sport 8080 counter drop"
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/syn2.sent" 20 client
      sleep 0.2
      nft_delete server
      wait_peer client
      wait_peer server
      stop_capture ;;

    synack-new-isn)
      # The first SYN+ACK is dropped in the client's input hook (after the
      # capture point, which sees it), then the server restarts its listener.
      nft_rule client input "tcp sport 8080 tcp flags & (syn | ack) == syn | ack counter drop"
      start_capture
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      nft_wait_count client input 1
      nft_delete client
      touch "$RUN/restart"
      wait_peer client
      wait_peer server
      stop_capture ;;

    syn-missed)
      # Hold the server's SYN+ACK in an NFQUEUE until tcpdump runs.
      ip netns exec "$SRV" "$PY" "$HERE/nfq_delay.py" --queue 0 --delay-ms 0 \
        --ready-file "$RUN/hold.ready" --hold-until "$RUN/release" --held-file "$RUN/held" \
        >"$RUN/hold.log" 2>&1 &
      PIDS+=("$!")
      wait_for_file "$RUN/hold.ready" 10
      ipt_server -t mangle -A OUTPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -j NFQUEUE --queue-num 0 --queue-bypass
      log "  iptables (server mangle OUTPUT): SYN+ACK -> NFQUEUE 0, held until the capture runs"
      start_peer server
      wait_for_file "$RUN/server.ready" 10 server
      start_peer client
      wait_for_file "$RUN/held" 10 client
      start_capture
      touch "$RUN/release"
      wait_peer client
      wait_peer server
      stop_capture ;;

    one-way-client)  # only what the client sends: as behind asymmetric routing
      start_capture out; run_peers; stop_capture ;;

    one-way-server)  # only what the client receives, i.e. the server's packets
      start_capture in; run_peers; stop_capture ;;

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


recorder_main "$@"
