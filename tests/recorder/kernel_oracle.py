#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kernel_oracle.py - what the real Linux kernel does with one SYN, FIN or RST.

Usage: sudo tests/recorder/kernel_oracle.py [--out captures/kernel] [--list] [CASE...]

For every case (default: all), in two fresh network namespaces joined by a
veth pair (K = hs-ko-k-PID, 198.18.0.2, real kernel sockets; P = hs-ko-p-PID,
198.18.0.1, no socket at all), the script:

  1. drives one real kernel socket in K through the TCP states with scapy
     segments that P injects with a packet socket (P's own kernel stack is
     kept silent by an nftables rule dropping every TCP segment it would
     send; packet sockets bypass netfilter, so scapy's segments still leave);
  2. records `ss -tanoi` in K for the 4-tuple, and K's TCP MIB counters;
  3. sends one "probe" segment;
  4. collects for 0.5 s what K sends back, records ss and the MIB counters
     again, and stops the capture 0.6 s after the probe.

tcpdump runs in K on its veth: OUT/<case>.pcap.  OUT/cases.tsv gets one row
per case (rows of cases not run are kept):

  case  probe_frame  probe  state_before  state_after  response  verdict

probe_frame is checked by reading the pcap back with tshark (the probe is the
last frame P sent, and P's frame count must equal the number of segments
injected).  The verdict is derived from what was observed, never assumed:

  accepted   the socket's state changed (reset, advanced, a new connection)
  challenge  state unchanged, K answered with a pure ACK
  ignored    state unchanged, K sent nothing, a PAWS duplicate ACK (response
             `dupack`: TcpExtPAWSEstab or PAWSTimewait went up) or an RST
             from the listener or from a SYN-SENT socket (which may also
             retransmit its SYN at once: response `rst,syn`)
  ?          anything else

Needs root, iproute2, nftables, tcpdump, ethtool, tshark and scapy for the
system Python: apt-get install python3-scapy nftables tcpdump ethtool tshark.
Addresses used: 198.18.0.1 and 198.18.0.2 only, inside the namespaces, which
are removed on exit even on failure.  Ports: K 8080, P 40000 + case number.
"""

import argparse
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import time

K_IP, P_IP = "198.18.0.2", "198.18.0.1"
K_MAC, P_MAC = "02:00:5e:00:00:02", "02:00:5e:00:00:01"
K_IF, P_IF = "hs-ko-k", "hs-ko-p"
K_PORT = 8080
TS_BASE = 1000000            # P's timestamp clock at the start of a case (ms)
WINDOW = 502                 # P's window field after the SYN (<< 7: 64256)
SETTLE = 0.3                 # let delayed ACKs go out before the probe
OBSERVE = 0.5                # how long K's reaction is collected
TAIL = 0.1                   # capture stops OBSERVE + TAIL after the probe
SYSCTLS = ("tcp_rfc1337", "tcp_timestamps", "tcp_challenge_ack_limit",
           "tcp_invalid_ratelimit", "tcp_fin_timeout")
DUPACK_COUNTERS = ("PAWSEstab", "PAWSActive", "PAWSTimewait")

# num, name, setup, probe text, probe: ctx -> (flags, seq, ack, ts)
# ts: "cur" (current TSval, TSecr = K's last), "old" (TSval 1000 ms older
# than the last P sent), "syn" (SYN options, TSecr 0), None (no options).
def _rng(n):
    return random.Random(n).getrandbits(32)


CASES = [
    (1, "est-rst-exact", "est", "RST seq=RCV.NXT",
     lambda c: ("R", c.rcv, 0, None)),
    (2, "est-rst-in-window", "est", "RST seq=RCV.NXT+1000",
     lambda c: ("R", c.rcv + 1000, 0, None)),
    (3, "est-rst-outside", "est", "RST seq=RCV.NXT+2^30",
     lambda c: ("R", c.rcv + (1 << 30), 0, None)),
    (4, "est-syn-new-isn", "est", "SYN seq=random ISN",
     lambda c: ("S", _rng(4), 0, "syn")),
    (5, "est-syn-rst-exact", "est", "SYN+RST seq=RCV.NXT",
     lambda c: ("SR", c.rcv, 0, None)),
    (6, "est-fin-no-ack", "est", "FIN (no ACK) seq=RCV.NXT",
     lambda c: ("F", c.rcv, 0, "cur")),
    (7, "est-fin-ack-unsent", "est", "FIN+ACK seq=RCV.NXT ack=SND.NXT+100000",
     lambda c: ("FA", c.rcv, c.snd + 100000, "cur")),
    (8, "est-fin-exact", "est", "FIN+ACK seq=RCV.NXT ack=SND.NXT",
     lambda c: ("FA", c.rcv, c.snd, "cur")),
    (9, "est-rst-minus-1", "est", "RST seq=RCV.NXT-1",
     lambda c: ("R", c.rcv - 1, 0, None)),
    (10, "est-paws-fin", "est", "FIN+ACK seq=RCV.NXT ack=SND.NXT, TSval old",
     lambda c: ("FA", c.rcv, c.snd, "old")),
    (11, "est-paws-rst", "est", "RST seq=RCV.NXT, TSval old",
     lambda c: ("R", c.rcv, 0, "old")),
    (12, "closewait-syn-new-isn", "closewait", "SYN seq=random ISN",
     lambda c: ("S", _rng(12), 0, "syn")),
    (13, "closewait-rst-minus-1", "closewait", "RST seq=RCV.NXT-1",
     lambda c: ("R", c.rcv - 1, 0, None)),
    (14, "lastack-rst-minus-1", "lastack", "RST seq=RCV.NXT-1",
     lambda c: ("R", c.rcv - 1, 0, None)),
    (15, "closewait-rst-in-window", "closewait", "RST seq=RCV.NXT+1000",
     lambda c: ("R", c.rcv + 1000, 0, None)),
    (16, "tw-rst-exact", "tw", "RST seq=RCV.NXT",
     lambda c: ("R", c.rcv, 0, None)),
    (17, "tw-rst-in-window", "tw", "RST seq=RCV.NXT+1000",
     lambda c: ("R", c.rcv + 1000, 0, None)),
    (18, "tw-syn-above", "tw", "SYN seq=RCV.NXT+100000, TSval newer",
     lambda c: ("S", c.rcv + 100000, 0, "syn")),
    (19, "tw-syn-below", "tw", "SYN seq=RCV.NXT-100000, TSval newer",
     lambda c: ("S", c.rcv - 100000, 0, "syn")),
    (20, "fw2-orphan-rst-in-window", "fw2orphan", "RST seq=RCV.NXT+1000",
     lambda c: ("R", c.rcv + 1000, 0, None)),
    (21, "fw2-orphan-rst-exact", "fw2orphan", "RST seq=RCV.NXT",
     lambda c: ("R", c.rcv, 0, None)),
    (22, "fw2-full-rst-in-window", "fw2full", "RST seq=RCV.NXT+1000",
     lambda c: ("R", c.rcv + 1000, 0, None)),
    (23, "synrecv-rst-bad-ack", "synrecv", "RST+ACK seq=RCV.NXT ack=ISN(K)+1001",
     lambda c: ("RA", c.rcv, c.isn_k + 1001, None)),
    (24, "synrecv-rst-exact", "synrecv", "RST seq=RCV.NXT",
     lambda c: ("R", c.rcv, 0, None)),
    (25, "synrecv-fin-no-ack", "synrecv", "FIN (no ACK) seq=RCV.NXT",
     lambda c: ("F", c.rcv, 0, "cur")),
    (26, "synrecv-fin-bad-ack", "synrecv", "FIN+ACK seq=RCV.NXT ack=ISN(K)+1001",
     lambda c: ("FA", c.rcv, c.isn_k + 1001, "cur")),
    (27, "synsent-rst-no-ack", "synsent", "RST (no ACK) seq=ISN(P)",
     lambda c: ("R", c.isn_p, 0, None)),
    (28, "synsent-rst-ack-good", "synsent", "RST+ACK seq=0 ack=ISN(K)+1",
     lambda c: ("RA", 0, c.isn_k + 1, None)),
    (29, "synsent-synack-bad-ack", "synsent", "SYN+ACK seq=ISN(P) ack=ISN(K)+5",
     lambda c: ("SA", c.isn_p, c.isn_k + 5, "syn")),
    (30, "simopen-rst-in-window", "simopen", "RST seq=RCV.NXT+1000",
     lambda c: ("R", c.rcv + 1000, 0, None)),
    (31, "simopen-synack-crossing", "simopen", "SYN+ACK seq=ISN(P) ack=ISN(K)+1",
     lambda c: ("SA", c.isn_p, c.isn_k + 1, "syn")),
    # Beyond the first list: variants that the results above raised.
    (32, "tw-syn-below-nots", "tw", "SYN seq=RCV.NXT-100000, no timestamps",
     lambda c: ("S", c.rcv - 100000, 0, None)),
    (33, "fw2-orphan-rst-outside", "fw2orphan", "RST seq=RCV.NXT+2^30",
     lambda c: ("R", c.rcv + (1 << 30), 0, None)),
    (34, "tw-syn-above-oldts", "tw", "SYN seq=RCV.NXT+100000, TSval old",
     lambda c: ("S", c.rcv + 100000, 0, "oldsyn")),
    (35, "fw2-orphan-syn-in-window", "fw2orphan", "SYN seq=RCV.NXT+1000, TSval newer",
     lambda c: ("S", c.rcv + 1000, 0, "syn")),
    (36, "synrecv-ack-bad-ack", "synrecv", "ACK seq=RCV.NXT ack=ISN(K)+1001",
     lambda c: ("A", c.rcv, c.isn_k + 1001, "cur")),
]
BY_NAME = {c[1]: c for c in CASES}


def die(msg):
    print("kernel_oracle: " + msg, file=sys.stderr)
    sys.exit(2)


def run(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# --------------------------------------------------------------------------
# K side: a helper with real sockets, run inside K, one command per line.
def k_helper():
    lsock = conn = None
    out = sys.stdout

    def reply(**kw):
        out.write(json.dumps(kw) + "\n")
        out.flush()

    for line in sys.stdin:
        cmd, *args = line.split()
        try:
            if cmd == "listen":
                lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                lsock.bind((K_IP, K_PORT))
                lsock.listen(8)
                reply(ok=1)
            elif cmd == "accept":
                lsock.settimeout(5)
                conn, addr = lsock.accept()
                reply(ok=1, peer=list(addr))
            elif cmd == "connect":
                conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                conn.bind((K_IP, K_PORT))
                conn.setblocking(False)
                reply(ok=1, rc=conn.connect_ex((P_IP, int(args[0]))))
            elif cmd == "recv":
                conn.settimeout(3)
                reply(ok=1, data=conn.recv(4096).decode("latin-1"))
            elif cmd == "send":
                conn.sendall(args[0].encode() + b"\n")
                reply(ok=1)
            elif cmd == "close":
                conn.close()
                conn = None
                reply(ok=1)
            elif cmd == "shutdown":
                conn.shutdown(socket.SHUT_WR)
                reply(ok=1)
            elif cmd == "mib":
                mib = {}
                for f in ("/proc/net/snmp", "/proc/net/netstat"):
                    with open(f) as fh:
                        lines = fh.read().splitlines()
                    for a, b in zip(lines[::2], lines[1::2]):
                        names, vals = a.split()[1:], b.split()[1:]
                        pre = a.split()[0].rstrip(":")
                        for n, v in zip(names, vals):
                            mib[pre + "." + n] = int(v)
                reply(ok=1, mib=mib)
            elif cmd == "sysctl":
                vals = {}
                for n in args:
                    with open("/proc/sys/net/ipv4/" + n) as fh:
                        vals[n] = fh.read().strip()
                reply(ok=1, sysctl=vals)
            elif cmd == "quit":
                reply(ok=1)
                return
            else:
                reply(ok=0, err="unknown command " + cmd)
        except Exception as e:  # reported to the driver, which fails the case
            reply(ok=0, err="%s: %s" % (type(e).__name__, e))


class Helper:
    def __init__(self, ns):
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
             "--_k-helper"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, *cmd, timeout=8):
        self.p.stdin.write(" ".join(str(c) for c in cmd) + "\n")
        self.p.stdin.flush()
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            raise RuntimeError("K helper: no answer to %r" % (cmd,))
        ans = json.loads(self.p.stdout.readline())
        if not ans.get("ok"):
            raise RuntimeError("K helper: %r: %s" % (cmd, ans.get("err")))
        return ans

    def stop(self):
        if self.p.poll() is None:
            try:
                self("quit", timeout=2)
            except Exception:
                pass
            try:
                self.p.wait(2)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


# --------------------------------------------------------------------------
# Namespaces.
CLONE_NEWNET = 0x40000000


def setns(path):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def make_netns(kns, pns):
    for ns in (kns, pns):
        run("ip", "netns", "add", ns)
        for key in ("all", "default"):
            run("ip", "netns", "exec", ns, "sysctl", "-qw",
                "net.ipv6.conf.%s.disable_ipv6=1" % key)
        run("ip", "-n", ns, "link", "set", "lo", "up")
    run("ip", "link", "add", K_IF, "netns", kns, "address", K_MAC, "type", "veth",
        "peer", "name", P_IF, "netns", pns, "address", P_MAC)
    for ns, dev, ip, peer_ip, peer_mac in ((kns, K_IF, K_IP, P_IP, P_MAC),
                                          (pns, P_IF, P_IP, K_IP, K_MAC)):
        run("ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev)
        run("ip", "-n", ns, "link", "set", dev, "up")
        run("ip", "-n", ns, "neigh", "replace", peer_ip, "lladdr", peer_mac,
            "dev", dev, "nud", "permanent")
        run("ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off",
            "gro", "off", "tx", "off")
    # P has no socket: its kernel must not answer K (it would RST everything).
    # scapy's frames go out through a packet socket, which netfilter's output
    # hook never sees; the capture checks that P sent nothing else.
    run("ip", "netns", "exec", pns, "nft",
        "add table inet hsko; "
        "add chain inet hsko out { type filter hook output priority 0; policy accept; }; "
        "add rule inet hsko out meta l4proto tcp drop")


def del_netns(*names):
    for ns in names:
        if os.path.exists("/var/run/netns/" + ns):
            run("ip", "netns", "del", ns, check=False)


# --------------------------------------------------------------------------
# P side: the fake peer.
class Peer:
    def __init__(self, pns, num):
        from scapy.layers.l2 import Ether
        from scapy.layers.inet import IP, TCP
        self.Ether, self.IP, self.TCP = Ether, IP, TCP
        me = "/proc/self/task/%d/ns/net" % __import__("threading").get_native_id()
        home = os.open(me, os.O_RDONLY)
        try:
            setns("/var/run/netns/" + pns)
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(0x0003))
            self.sock.bind((P_IF, 0))
        finally:
            import ctypes
            ctypes.CDLL(None, use_errno=True).setns(home, CLONE_NEWNET)
            os.close(home)
        self.sport = 40000 + num
        self.t0 = time.monotonic()
        self.isn_p = (0x10000000 * (num % 15 + 1) + 1000 * num) & 0xffffffff
        self.snd_nxt = self.isn_p      # P's next sequence number = K's RCV.NXT
        self.isn_k = None
        self.k_nxt = None              # K's SND.NXT as seen on the wire
        self.k_tsval = 0
        self.last_tsval = TS_BASE
        self.sent = 0
        self.ipid = 1
        self.rx = []                   # (time, scapy TCP) from K

    # RCV.NXT and SND.NXT of the kernel socket
    @property
    def rcv(self):
        return self.snd_nxt & 0xffffffff

    @property
    def snd(self):
        return self.k_nxt

    def tsval(self):
        v = TS_BASE + int((time.monotonic() - self.t0) * 1000)
        self.last_tsval = max(self.last_tsval, v)
        return self.last_tsval

    def send(self, flags, seq, ack=0, payload=b"", ts="cur"):
        TCP, IP, Ether = self.TCP, self.IP, self.Ether
        if ts in ("syn", "oldsyn"):
            tv = self.tsval() if ts == "syn" else self.last_tsval - 1000
            ecr = self.k_tsval if "A" in flags else 0
            opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (tv, ecr)),
                    ("NOP", None), ("WScale", 7)]
        elif ts == "old":
            opts = [("NOP", None), ("NOP", None),
                    ("Timestamp", (self.last_tsval - 1000,
                                   self.k_tsval if "A" in flags else 0))]
        elif ts == "cur":
            opts = [("NOP", None), ("NOP", None),
                    ("Timestamp", (self.tsval(), self.k_tsval if "A" in flags else 0))]
        else:
            opts = []
        if "R" in flags:
            win = 0
        elif "S" in flags:
            win = 64240
        else:
            win = WINDOW
        pkt = (Ether(src=P_MAC, dst=K_MAC, type=0x0800) /
               IP(src=P_IP, dst=K_IP, ttl=64, id=self.ipid, flags="DF") /
               TCP(sport=self.sport, dport=K_PORT, flags=flags,
                   seq=seq & 0xffffffff, ack=(ack & 0xffffffff) if "A" in flags else 0,
                   window=win, options=opts))
        if payload:
            pkt = pkt / payload
        self.ipid += 1
        self.sock.send(bytes(pkt))
        self.sent += 1
        return pkt

    def poll(self, timeout):
        """Read K's segments for up to timeout seconds; yield each."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return
            data, addr = self.sock.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            pkt = self.Ether(data)
            if self.IP not in pkt or self.TCP not in pkt:
                continue
            if pkt[self.IP].src != K_IP or pkt[self.TCP].dport != self.sport:
                continue
            t = pkt[self.TCP]
            self.track(t)
            self.rx.append((time.monotonic(), t))
            yield t

    def track(self, t):
        f = int(t.flags)
        plen = len(bytes(t.payload))
        if f & 0x02 and self.isn_k is None:
            self.isn_k = t.seq
        end = (t.seq + plen + (1 if f & 0x02 else 0) + (1 if f & 0x01 else 0)) & 0xffffffff
        if self.k_nxt is None or ((end - self.k_nxt) & 0xffffffff) < 0x80000000:
            self.k_nxt = end
        for name, val in t.options:
            if name == "Timestamp":
                self.k_tsval = val[0]

    def wait(self, pred, what, timeout=3.0):
        for t in self.poll(timeout):
            if pred(t):
                return t
        raise RuntimeError("timed out waiting for K's " + what)

    def drain(self, timeout):
        for _ in self.poll(timeout):
            pass


def flags_of(t):
    return int(t.flags)


# --------------------------------------------------------------------------
# Setups: bring K's socket into the state the case needs.
def server_established(p, k):
    k("listen")
    p.send("S", p.isn_p, ts="syn")
    p.snd_nxt = p.isn_p + 1
    p.wait(lambda t: flags_of(t) & 0x12 == 0x12, "SYN+ACK")
    p.send("A", p.snd_nxt, p.k_nxt)
    k("accept")
    p.send("PA", p.snd_nxt, p.k_nxt, payload=b"hello\n")
    p.snd_nxt += 6
    got = k("recv")["data"]
    if got != "hello\n":
        raise RuntimeError("K received %r" % got)
    k("send", "world")
    p.wait(lambda t: len(bytes(t.payload)) > 0, "data")
    p.drain(0.05)
    p.send("A", p.snd_nxt, p.k_nxt)
    p.drain(SETTLE)


def wait_ack_of(p, seq, what):
    p.wait(lambda t: flags_of(t) & 0x10 and t.ack == seq & 0xffffffff, what)


def setup(kind, p, k):
    if kind == "est":
        server_established(p, k)
    elif kind in ("closewait", "lastack"):
        server_established(p, k)
        p.send("FA", p.snd_nxt, p.k_nxt)
        p.snd_nxt += 1
        wait_ack_of(p, p.snd_nxt, "ACK of P's FIN")
        p.drain(SETTLE)
        if kind == "lastack":
            k("close")
            p.wait(lambda t: flags_of(t) & 0x01, "FIN")
            p.drain(0.05)           # P does not ack it
    elif kind in ("tw", "fw2orphan", "fw2full"):
        server_established(p, k)
        k("shutdown" if kind == "fw2full" else "close")
        p.wait(lambda t: flags_of(t) & 0x01, "FIN")
        p.drain(0.02)
        p.send("A", p.snd_nxt, p.k_nxt)
        if kind == "tw":
            p.drain(0.05)
            p.send("FA", p.snd_nxt, p.k_nxt)
            p.snd_nxt += 1
            wait_ack_of(p, p.snd_nxt, "ACK of P's FIN")
        p.drain(SETTLE)
    elif kind == "synrecv":
        k("listen")
        p.send("S", p.isn_p, ts="syn")
        p.snd_nxt = p.isn_p + 1
        p.wait(lambda t: flags_of(t) & 0x12 == 0x12, "SYN+ACK")
        p.drain(0.1)
    elif kind in ("synsent", "simopen"):
        k("connect", p.sport)
        p.wait(lambda t: flags_of(t) & 0x12 == 0x02, "SYN")
        p.drain(0.05)
        if kind == "simopen":
            p.send("S", p.isn_p, ts="syn")
            p.snd_nxt = p.isn_p + 1
            p.wait(lambda t: flags_of(t) & 0x12 == 0x12, "SYN+ACK")
            p.drain(0.1)
    else:
        raise ValueError(kind)


# --------------------------------------------------------------------------
def ss_state(kns, sport):
    out = run("ip", "netns", "exec", kns, "ss", "-tanoiH").stdout
    lines, states, keep = [], [], False
    for line in out.splitlines():
        if not line[:1].isspace():
            f = line.split()
            keep = (len(f) >= 5 and f[3] == "%s:%d" % (K_IP, K_PORT)
                    and f[4] == "%s:%d" % (P_IP, sport))
            if keep:
                states.append(f[0])
        if keep:
            lines.append(line.strip())
    return (",".join(states) if states else "none"), lines


def mib_delta(a, b):
    skip = ("Tcp.InSegs", "Tcp.OutSegs", "Ip.", "IpExt.", "Icmp", "Udp", "TcpExt.TCPHPHits",
            "TcpExt.TCPPureAcks", "TcpExt.TCPHPAcks", "TcpExt.TCPOrigDataSent",
            "TcpExt.TCPDelivered", "TcpExt.TCPHystart", "Tcp.CurrEstab",
            "TcpExt.DelayedACKs", "TcpExt.TCPAutoCorking", "TcpExt.TCPHPHitsToUser")
    d = {}
    for n, v in b.items():
        if n.startswith(skip):
            continue
        if v != a.get(n, 0):
            d[n.split(".", 1)[1]] = v - a.get(n, 0)
    return d


def tshark_frames(path):
    out = run("tshark", "-r", path, "-T", "fields", "-e", "frame.number",
              "-e", "frame.time_relative", "-e", "ip.src", "-e", "tcp.flags",
              "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.len").stdout
    rows = []
    for line in out.splitlines():
        f = line.split("\t")
        rows.append(dict(no=int(f[0]), t=float(f[1]), src=f[2], flags=int(f[3], 16),
                         seq=int(f[4]), ack=int(f[5]), len=int(f[6] or 0)))
    return rows


def classify(frame, dup):
    fl = frame["flags"]
    if fl & 0x04:
        return "rst"
    if fl & 0x02:
        return "synack" if fl & 0x10 else "syn"
    if fl & 0x01:
        return "finack"
    if frame["len"]:
        return "data"
    return "dupack" if dup else "ack"


def verdict_of(before, after, resp):
    if before == "none":
        return "?"
    if after != before:
        return "accepted"
    r = set(resp)
    if r == {"none"} or r == {"dupack"} or r == {"rst"}:
        return "ignored"
    # SYN-SENT answers an unacceptable ACK with an RST and retransmits its
    # SYN at once: the segment is still dropped.
    if before == "SYN-SENT" and r == {"rst", "syn"}:
        return "ignored"
    if r == {"ack"}:
        return "challenge"
    return "?"


def run_case(case, out_dir, verbose):
    num, name, kind, text, probe = case
    pid = os.getpid()
    kns, pns = "hs-ko-k-%d" % pid, "hs-ko-p-%d" % pid
    pcap = os.path.join(out_dir, name + ".pcap")
    tcpdump = k = None
    try:
        del_netns(kns, pns)
        make_netns(kns, pns)
        if os.path.exists(pcap):
            os.unlink(pcap)
        tcpdump = subprocess.Popen(
            ["ip", "netns", "exec", kns, "tcpdump", "-i", K_IF, "-n", "--immediate-mode",
             "-U", "-Z", "root", "-w", pcap, "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = tcpdump.stderr.readline()
        if "listening" not in line:
            raise RuntimeError("tcpdump: " + line.strip())
        k = Helper(kns)
        sysctls = k("sysctl", *SYSCTLS)["sysctl"]
        p = Peer(pns, num)
        setup(kind, p, k)
        state_before, ss_before = ss_state(kns, p.sport)
        mib_before = k("mib")["mib"]
        p.rx.clear()
        flags, seq, ack, ts = probe(p)
        p.send(flags, seq, ack, ts=ts)
        p.drain(OBSERVE)
        state_after, ss_after = ss_state(kns, p.sport)
        mib_after = k("mib")["mib"]
        time.sleep(TAIL)
        tcpdump.send_signal(signal.SIGINT)
        tcpdump.wait(5)
        tcpdump = None
        delta = mib_delta(mib_before, mib_after)

        # Read the capture back: the probe is the last frame from P.
        rows = tshark_frames(pcap)
        from_p = [r for r in rows if r["src"] == P_IP]
        if len(from_p) != p.sent:
            raise RuntimeError("capture holds %d frames from P, %d were injected"
                               % (len(from_p), p.sent))
        pf = from_p[-1]
        want_flags = {"S": 0x02, "A": 0x10, "R": 0x04, "F": 0x01, "P": 0x08}
        wf = sum(want_flags[c] for c in flags)
        if pf["flags"] != wf or pf["seq"] != seq & 0xffffffff or \
                ("A" in flags and pf["ack"] != ack & 0xffffffff):
            raise RuntimeError("probe frame mismatch: %r" % pf)
        dup = any(delta.get(c, 0) > 0 for c in DUPACK_COUNTERS)
        after = [r for r in rows if r["no"] > pf["no"] and r["src"] == K_IP
                 and r["t"] - pf["t"] <= OBSERVE]
        if len(after) != len(p.rx):
            raise RuntimeError("capture has %d frames from K after the probe, "
                               "the peer saw %d" % (len(after), len(p.rx)))
        resp = []
        for r in after:
            c = classify(r, dup)
            if c not in resp:
                resp.append(c)
        resp = resp or ["none"]
        verdict = verdict_of(state_before, state_after, resp)
        return dict(case=name, num=num, probe_frame=pf["no"], probe=text,
                    state_before=state_before, state_after=state_after,
                    response=",".join(resp), verdict=verdict, mib=delta,
                    ss_before=ss_before, ss_after=ss_after, frames=len(rows),
                    sysctls=sysctls)
    finally:
        if tcpdump is not None and tcpdump.poll() is None:
            tcpdump.send_signal(signal.SIGINT)
            try:
                tcpdump.wait(5)
            except subprocess.TimeoutExpired:
                tcpdump.kill()
        if k is not None:
            k.stop()
        del_netns(kns, pns)


FIELDS = ("case", "probe_frame", "probe", "state_before", "state_after", "response", "verdict")


def write_tsv(path, results):
    rows = {}
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
        for line in lines[1:]:
            f = line.split("\t")
            if f and f[0] in BY_NAME:
                rows[f[0]] = dict(zip(FIELDS, f))
    for r in results:
        rows[r["case"]] = {k: str(r[k]) for k in FIELDS}
    with open(path, "w") as f:
        f.write("\t".join(FIELDS) + "\n")
        for num, name, *_ in CASES:
            if name in rows:
                f.write("\t".join(rows[name][k] for k in FIELDS) + "\n")


def main():
    if "--_k-helper" in sys.argv:
        k_helper()
        return 0
    ap = argparse.ArgumentParser(
        description="Record what the real Linux kernel does with single SYN, FIN and "
                    "RST segments in each TCP state (see the module docstring).")
    ap.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "captures", "kernel"))
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print ss lines and MIB counter changes")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        for num, name, kind, text, _ in CASES:
            print("%2d %-26s %-10s %s" % (num, name, kind, text))
        return 0
    unknown = [c for c in a.cases if c not in BY_NAME]
    if unknown:
        die("unknown case(s): %s (see --list)" % " ".join(unknown))
    if os.geteuid() != 0:
        die("needs root (network namespaces, packet sockets): sudo %s" % sys.argv[0])
    try:
        import scapy  # noqa: F401
    except ImportError:
        if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
                and not os.environ.get("HS_KO_REEXEC"):
            os.environ["HS_KO_REEXEC"] = "1"
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        die("scapy is missing: apt-get install python3-scapy (and run with /usr/bin/python3)")
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    for tool in ("ip", "nft", "tcpdump", "ethtool", "tshark", "ss"):
        if subprocess.run(["sh", "-c", "command -v " + tool], stdout=subprocess.DEVNULL).returncode:
            die("%s is missing: apt-get install iproute2 nftables tcpdump ethtool tshark" % tool)
    out_dir = os.path.abspath(a.out)
    os.makedirs(out_dir, exist_ok=True)
    cases = [BY_NAME[c] for c in a.cases] if a.cases else CASES
    # SIGTERM/SIGHUP: unwind through run_case's cleanup (namespaces, tcpdump).
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    print("kernel %s" % os.uname().release, flush=True)
    results, failed = [], []
    for case in cases:
        try:
            r = run_case(case, out_dir, a.verbose)
        except Exception as e:
            failed.append(case[1])
            print("%-26s FAILED: %s: %s" % (case[1], type(e).__name__, e), flush=True)
            continue
        if not results:
            print("K's sysctls: " + " ".join("%s=%s" % kv for kv in r["sysctls"].items()),
                  flush=True)
        results.append(r)
        mib = " ".join("%s+%d" % kv for kv in sorted(r["mib"].items()))
        print("%-26s frame %-2d %-42s %-10s -> %-10s %-14s %-9s [%s]" % (
            r["case"], r["probe_frame"], r["probe"], r["state_before"], r["state_after"],
            r["response"], r["verdict"], mib), flush=True)
        if a.verbose:
            for tag in ("ss_before", "ss_after"):
                for line in r[tag]:
                    print("    %s: %s" % (tag, line))
    if results:
        write_tsv(os.path.join(out_dir, "cases.tsv"), results)
    if failed:
        print("failed: " + " ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
