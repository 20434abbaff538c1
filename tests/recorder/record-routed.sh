#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# record-routed.sh - record real TCP failures through a router namespace.
#
# Like record.sh, but with three private network namespaces: client - router
# - server, two veth pairs and IP forwarding in the router.  The router's
# iptables rules reject, drop, reset or proxy the connection, so the captures
# show who failed it: ICMP errors and RSTs sent by the router arrive at the
# client with TTL 64, the server's packets with TTL 63.  Real kernel sockets
# (tests/recorder/peer.py) on both ends; tcpdump on the client's veth unless a
# scenario says otherwise.  Nothing is sent outside these namespaces.
# See --help and captures/routed/README.md.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT_DIR="$REPO/captures/routed"
PY=${PYTHON:-}

SCENARIOS=(
  reject-port-unreachable reject-admin-prohibited reject-host-unreachable
  reject-ipv6-prohibited time-exceeded drop-no-answer middlebox-reset synproxy
  listen-overflow listen-overflow-abort no-data close-unread offload-over-mss
)

declare -A DESCRIPTION=(
  [reject-port-unreachable]="router REJECTs the SYN with ICMP port unreachable (3/3): connect() fails at once"
  [reject-admin-prohibited]="router REJECTs the SYN with ICMP communication administratively prohibited (3/13)"
  [reject-host-unreachable]="router REJECTs the SYN with ICMP host unreachable (3/1); client tcp_syn_retries=2"
  [reject-ipv6-prohibited]="IPv6: router REJECTs the SYN with ICMPv6 administratively prohibited (1/1)"
  [time-exceeded]="client's SYNs leave with TTL 1 (client mangle TTL --ttl-set 1): router sends ICMP time exceeded (11/0)"
  [drop-no-answer]="router DROPs the SYNs; client tcp_syn_retries=2: SYN at 0, 1, 3 s, ETIMEDOUT at 7 s"
  [middlebox-reset]="established, request/response; a request with a marker string: the ROUTER resets the client (TTL 64)"
  [synproxy]="iptables SYNPROXY on the router: it answers the handshake itself, then a normal request/response/close"
  [listen-overflow]="backlog 1, no accept(): the third client's handshake ACK is dropped, the server retransmits its SYN+ACK"
  [listen-overflow-abort]="as listen-overflow with server tcp_abort_on_overflow=1: the ACK is answered with a RST"
  [no-data]="connect, then client close(), server close() 0.5 s after EOF: no payload at all"
  [close-unread]="server replies and closes (FIN); the client sends more: the server's kernel answers with a RST"
  [offload-over-mss]="server sends 20000 bytes in one write, TSO/GSO on; captured on the SERVER's veth: segments over the MSS"
)

# Network layout: client (hs-c) = (hs-rc) router (hs-rs) = (hs-s) server.
CLI_IF=hs-c
RC_IF=hs-rc
RS_IF=hs-rs
SRV_IF=hs-s
CLI_MAC=02:00:5e:00:00:01
SRV_MAC=02:00:5e:00:00:02
RC_MAC=02:00:5e:00:01:fe
RS_MAC=02:00:5e:00:02:fe
CLI4=198.18.0.1
RC4=198.18.0.254
RS4=198.19.0.254
SRV4=198.19.0.2
CLI6=fd00:0:0:1::1
RC6=fd00:0:0:1::fe
RS6=fd00:0:0:2::fe
SRV6=fd00:0:0:2::2
# ICMP and TCP only; ICMPv6 errors only (types below 128: no neighbour
# discovery or MLD reports, which the veths send on their own at any time).
FILTER='tcp or icmp or (icmp6 and ip6[40] < 128)'

CLI="hs-cli-$$"
RTR="hs-rtr-$$"
SRV="hs-srv-$$"
RUN=""
PIDS=()
TCPDUMP_PID=""
CHECK_DIR=""
REC_TAG=record-routed
CAPTURES=captures/routed    # where the lifecycles to --check against are
NAMESPACES=("$CLI" "$RTR" "$SRV")
# shellcheck source-path=SCRIPTDIR source=netns-lib.sh
. "$HERE/netns-lib.sh"

usage() {
  cat <<EOF
Usage: sudo $0 [--out DIR] all | NAME...
       sudo $0 --check [--keep] [NAME...]
       $0 --list | --help

Records real TCP failures through a router into DIR/NAME.pcap (default DIR:
captures/routed).  Must run as root: it creates three network namespaces
($CLI / $RTR / $SRV style names), two veth pairs
(client 198.18.0.1/24 <-> router 198.18.0.254/24, router 198.19.0.254/24 <->
server 198.19.0.2/24; fd00:0:0:1::1/64 <-> fd00:0:0:1::fe/64,
fd00:0:0:2::fe/64 <-> fd00:0:0:2::2/64), turns on forwarding in the router,
sets per-namespace sysctls and iptables rules and runs tcpdump (on the
client's veth, filter '$FILTER').  Missing tools (iproute2, tcpdump,
iptables, python3, ethtool) are installed with apt-get.  Everything it
creates is removed on exit, even on failure; no packet leaves the three
namespaces.

Options:
  --list      list scenario names with a one-line description
  --out DIR   write the captures to DIR instead of captures/routed
  --check     record the scenarios (default: all) into a temporary folder and
              compare their lifecycles (summarize.py --lengths) with
              captures/routed/lifecycles.txt; prints a diff and exits 1 on any
              difference.  ISNs, timestamps, TTLs and times are not compared.
  --keep      with --check: keep the temporary folder even when all match
  --help      this text
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
  command -v tcpdump >/dev/null || need+=(tcpdump)
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





who() {  # who NS -> client|router|server
  case $1 in "$CLI") echo client ;; "$RTR") echo router ;; *) echo server ;; esac
}

# Real-sized segments and real checksums on the wire.
offloads_off() {  # offloads_off NS DEV
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null 2>&1 ||
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null
}

setup_ns() {
  RUN=$(mktemp -d /tmp/hs-routed.XXXXXX)
  ip netns add "$CLI"
  ip netns add "$RTR"
  ip netns add "$SRV"
  ip link add "$CLI_IF" address "$CLI_MAC" netns "$CLI" type veth \
    peer name "$RC_IF" address "$RC_MAC" netns "$RTR"
  ip link add "$RS_IF" address "$RS_MAC" netns "$RTR" type veth \
    peer name "$SRV_IF" address "$SRV_MAC" netns "$SRV"
  local ns dev
  for ns in "$CLI" "$RTR" "$SRV"; do ip -n "$ns" link set lo up; done
  for pair in "$CLI:$CLI_IF" "$RTR:$RC_IF" "$RTR:$RS_IF" "$SRV:$SRV_IF"; do
    ns=${pair%%:*} dev=${pair#*:}
    # No router solicitations / autoconf noise on the link.
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_ra=0" "net.ipv6.conf.$dev.autoconf=0"
    offloads_off "$ns" "$dev"
  done
  ip -n "$CLI" addr add "$CLI4/24" dev "$CLI_IF"
  ip -n "$RTR" addr add "$RC4/24" dev "$RC_IF"
  ip -n "$RTR" addr add "$RS4/24" dev "$RS_IF"
  ip -n "$SRV" addr add "$SRV4/24" dev "$SRV_IF"
  ip -n "$CLI" -6 addr add "$CLI6/64" dev "$CLI_IF" nodad
  ip -n "$RTR" -6 addr add "$RC6/64" dev "$RC_IF" nodad
  ip -n "$RTR" -6 addr add "$RS6/64" dev "$RS_IF" nodad
  ip -n "$SRV" -6 addr add "$SRV6/64" dev "$SRV_IF" nodad
  ip -n "$CLI" link set "$CLI_IF" up
  ip -n "$RTR" link set "$RC_IF" up
  ip -n "$RTR" link set "$RS_IF" up
  ip -n "$SRV" link set "$SRV_IF" up
  ip -n "$CLI" route add default via "$RC4" dev "$CLI_IF"
  ip -n "$SRV" route add default via "$RS4" dev "$SRV_IF"
  ip -n "$CLI" -6 route add default via "$RC6" dev "$CLI_IF"
  ip -n "$SRV" -6 route add default via "$RS6" dev "$SRV_IF"
  ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  # Static neighbours: no ARP / neighbour discovery in the middle of a scenario.
  ip -n "$CLI" neigh replace "$RC4" lladdr "$RC_MAC" dev "$CLI_IF" nud permanent
  ip -n "$CLI" -6 neigh replace "$RC6" lladdr "$RC_MAC" dev "$CLI_IF" nud permanent
  ip -n "$RTR" neigh replace "$CLI4" lladdr "$CLI_MAC" dev "$RC_IF" nud permanent
  ip -n "$RTR" -6 neigh replace "$CLI6" lladdr "$CLI_MAC" dev "$RC_IF" nud permanent
  ip -n "$RTR" neigh replace "$SRV4" lladdr "$SRV_MAC" dev "$RS_IF" nud permanent
  ip -n "$RTR" -6 neigh replace "$SRV6" lladdr "$SRV_MAC" dev "$RS_IF" nud permanent
  ip -n "$SRV" neigh replace "$RS4" lladdr "$RS_MAC" dev "$SRV_IF" nud permanent
  ip -n "$SRV" -6 neigh replace "$RS6" lladdr "$RS_MAC" dev "$SRV_IF" nud permanent
}

# ns_sysctl NS KEY=VALUE...
ns_sysctl() {
  local ns=$1; shift
  ip netns exec "$ns" sysctl -qw "$@"
  log "  sysctl ($(who "$ns")): $*"
}

# ipt NS iptables|ip6tables ARGS...: the nf_tables flavour, else the legacy one.
ipt() {
  local ns=$1 cmd=$2; shift 2
  ip netns exec "$ns" "$cmd" "$@" 2>/dev/null || ip netns exec "$ns" "$cmd-legacy" "$@"
  log "  $cmd ($(who "$ns")): $*"
}


CAP_NS=""
CAP_IF=""
CAP_FILTER=""

start_capture() {  # start_capture [NS DEV FILTER]: default the client's veth
  CAP_NS=${1:-$CLI} CAP_IF=${2:-$CLI_IF} CAP_FILTER=${3:-$FILTER}
  # --immediate-mode: hand every packet to tcpdump at once (the default
  # TPACKET_V3 ring buffer holds packets for up to a second, and packets
  # still held when tcpdump is stopped are lost); -U: write each at once.
  ip netns exec "$CAP_NS" tcpdump -i "$CAP_IF" -n --immediate-mode -U -Z root \
    -w "$RUN/capture.pcap" "$CAP_FILTER" \
    2>"$RUN/tcpdump.err" &
  TCPDUMP_PID=$!
  local i=0
  until grep -q "listening on" "$RUN/tcpdump.err" 2>/dev/null; do
    kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$RUN/tcpdump.err" >&2; die "tcpdump failed"; }
    ((++i <= 200)) || die "tcpdump did not start"
    sleep 0.05
  done
  log "  capture: $(who "$CAP_NS")'s $CAP_IF, filter '$CAP_FILTER'"
  sleep 0.2
}


# start_peer client|server  -> background process, pid in PIDS


run_peers() {  # the usual order: server listens, then the client starts
  start_peer server
  wait_for_file "$RUN/server.ready" 10 server
  start_peer client
  wait_peer client
  wait_peer server
}

# Delay every TCP segment the client sends by MS ms as it enters the router,
# before the router's forwarding decision and filter rules (this kernel has
# no sch_netem: NFQUEUE in the router's mangle PREROUTING chain +
# nfq_delay.py, as record.sh does for its delays).
router_delay_from_client() {
  local ms=$1
  ip netns exec "$RTR" "$PY" "$HERE/nfq_delay.py" --queue 0 --delay-ms "$ms" \
    --ready-file "$RUN/delay.ready" >"$RUN/delay.log" 2>&1 &
  PIDS+=("$!")
  wait_for_file "$RUN/delay.ready" 10
  ipt "$RTR" iptables -t mangle -A PREROUTING -i "$RC_IF" -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
  ipt "$RTR" ip6tables -t mangle -A PREROUTING -i "$RC_IF" -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
  log "  delay: ${ms} ms on what the client sends (router NFQUEUE + nfq_delay.py)"
}

# ---------------------------------------------------------------------------
# Scenarios

SETTINGS=(net.ipv4.tcp_timestamps net.ipv4.tcp_sack net.ipv4.tcp_window_scaling
  net.ipv4.tcp_ecn net.ipv4.tcp_syn_retries net.ipv4.tcp_synack_retries
  net.ipv4.tcp_syncookies net.ipv4.tcp_abort_on_overflow net.ipv4.tcp_congestion_control)

log_settings() {
  local ns
  for ns in "$CLI" "$SRV"; do
    log "  $(who "$ns") settings: $(ip netns exec "$ns" sysctl -n "${SETTINGS[@]}" 2>/dev/null |
      paste -d= <(printf '%s\n' "${SETTINGS[@]#net.ipv4.}") - | tr '\n' ' ')"
  done
}

# The classic exponential SYN backoff with N retries: this kernel's
# tcp_syn_linear_timeouts (default 4) would add 1 s linear retries first.
client_syn_retries() {
  ns_sysctl "$CLI" "net.ipv4.tcp_syn_retries=$1"
  if ip netns exec "$CLI" test -e /proc/sys/net/ipv4/tcp_syn_linear_timeouts; then
    ns_sysctl "$CLI" net.ipv4.tcp_syn_linear_timeouts=0
  fi
}

REJECT8080=(-p tcp --dport 8080 -j REJECT --reject-with)

record_one() {
  SCENARIO=$1
  FAMILY=4
  [[ $SCENARIO == reject-ipv6-prohibited ]] && FAMILY=6
  log "$SCENARIO: ${DESCRIPTION[$SCENARIO]}"
  setup_ns

  case $SCENARIO in  # scenario-specific settings
    reject-port-unreachable) ipt "$RTR" iptables -A FORWARD "${REJECT8080[@]}" icmp-port-unreachable ;;
    reject-admin-prohibited) ipt "$RTR" iptables -A FORWARD "${REJECT8080[@]}" icmp-admin-prohibited ;;
    reject-host-unreachable)
      client_syn_retries 2
      ipt "$RTR" iptables -A FORWARD "${REJECT8080[@]}" icmp-host-unreachable ;;
    reject-ipv6-prohibited) ipt "$RTR" ip6tables -A FORWARD "${REJECT8080[@]}" icmp6-adm-prohibited ;;
    time-exceeded)
      client_syn_retries 2
      ipt "$CLI" iptables -t mangle -A OUTPUT -p tcp --dport 8080 -j TTL --ttl-set 1 ;;
    drop-no-answer)
      client_syn_retries 2
      ipt "$RTR" iptables -A FORWARD -p tcp --dport 8080 --syn -j DROP ;;
    middlebox-reset)
      ipt "$RTR" iptables -A FORWARD -p tcp --dport 8080 -m string --string HS-MIDDLEBOX-MARKER \
        --algo bm -j REJECT --reject-with tcp-reset ;;
    synproxy)
      # The recipe of iptables-extensions(8), SYNPROXY, on the router's
      # FORWARD chain: SYNs skip conntrack, SYNPROXY answers them and the
      # handshake ACK (INVALID: no loose pickup), everything else INVALID
      # is dropped.
      [[ -d /proc/sys/net/netfilter ]] || die "synproxy: no /proc/sys/net/netfilter (no conntrack)"
      ns_sysctl "$RTR" net.netfilter.nf_conntrack_tcp_loose=0
      ipt "$RTR" iptables -t raw -A PREROUTING -i "$RC_IF" -p tcp --dport 8080 --syn -j CT --notrack
      ipt "$RTR" iptables -A FORWARD -i "$RC_IF" -p tcp --dport 8080 -m conntrack --ctstate INVALID,UNTRACKED \
        -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460
      ipt "$RTR" iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP ;;
    listen-overflow)
      ns_sysctl "$SRV" net.ipv4.tcp_synack_retries=2 ;;
    listen-overflow-abort)
      ns_sysctl "$SRV" net.ipv4.tcp_synack_retries=2 net.ipv4.tcp_abort_on_overflow=1 ;;
    offload-over-mss)
      ip netns exec "$SRV" ethtool -K "$SRV_IF" tx on tso on gso on >/dev/null
      log "  ethtool (server $SRV_IF): tx on tso on gso on" ;;
  esac
  log_settings

  case $SCENARIO in
    reject-*|time-exceeded)
      # The router's answer comes 10 ms after the SYN, when connect() sleeps.
      # Without the delay it can arrive within connect()'s own send, while
      # the socket is locked: the kernel then keeps it as a soft error only
      # (TcpExtLockDroppedIcmps) and retransmits the SYN.
      router_delay_from_client 10
      start_capture; run_peers; stop_capture ;;
    listen-overflow|listen-overflow-abort)
      router_delay_from_client 100
      start_capture; run_peers; stop_capture ;;
    offload-over-mss)
      start_capture "$SRV" "$SRV_IF" tcp; run_peers; stop_capture ;;
    *)
      start_capture; run_peers; stop_capture ;;
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
