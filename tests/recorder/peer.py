#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One side of a recorder scenario, using real kernel sockets.

Usage: peer.py --run-dir DIR [--family 4|6] SCENARIO client|server

record.sh runs the "server" role inside the server network namespace and the
"client" role inside the client namespace (where the capture is taken).  The
two roles (and record.sh) synchronise only through files in --run-dir, and
otherwise follow fixed sleeps, so every recording has the same lifecycle.

Files used in the run directory:
  server.ready      server is listening (written by the server)
  client.done       client role finished (written by the client)
  established       midstream/open-at-end/one-side-closed-at-end: the state
                    record.sh waits for before starting/stopping the capture
  capture.started   written by record.sh after tcpdump is listening
  capture.stopped   written by record.sh after tcpdump has exited
  close.client/close.server, open.client/open.server  two-sided barriers
  close.ready / rule.added   the client is about to close (or abort) and
                    waits for record.sh to install its nftables rule first
  fin.sent          fin-unacked: the client's FIN has been sent
  exchanged         midstream-open: the data exchange is over
  syn2.sent         synack-stale: the client's second SYN is on its way
  restart           synack-new-isn: the server must restart its listener
"""

import argparse
import errno
import os
import random
import select
import socket
import struct
import sys
import threading
import time

ADDR = {
    4: {"client": "198.18.0.1", "server": "198.18.0.2"},
    6: {"client": "fd00:0:0:1::1", "server": "fd00:0:0:1::2"},
}
SERVER_PORT = 8080
# Fixed client ports make the 4-tuples identical in every recording.
CLIENT_PORT = {
    "normal-4way": 40001,
    "close-3way": 40002,
    "refused": 40003,
    "syn-unanswered": 40004,
    "synack-retrans": 40005,
    "client-abort": 40006,
    "server-abort": 40007,
    "half-close": 40008,
    "simultaneous-close": 40009,
    "simultaneous-open": 40010,
    "port-reuse": 40011,
    "tfo": 40012,  # second TFO connection uses 40112
    "ecn": 40013,
    "ipv6": 40014,
    "midstream": 40015,
    "open-at-end": 40016,
    "one-side-closed-at-end": 40017,
    "midstream-open": 40018,
    "server-closed-at-end": 40019,
    "fin-retrans": 40020,
    "fin-unacked": 40021,
    "syn-then-rst": 40022,
    "half-open-discovery": 40023,
    "synack-stale": 40024,
    "synack-new-isn": 40025,
    "syn-missed": 40026,
    "one-way-client": 40027,
    "one-way-server": 40028,  # its second connection uses 40128
    "wscale-off-server": 40029,
    "sack-off-server": 40030,
    "timestamps-off": 40031,
    "rst-oracle": 40032,
}
SIMOPEN_SERVER_PORT = 40110   # the "server" side of simultaneous-open

# record-routed.sh: client and server in two subnets joined by a router
# namespace.  A scenario that needs more connections uses PORT+100, PORT+200.
ROUTED_ADDR = {
    4: {"client": "198.18.0.1", "server": "198.19.0.2"},
    6: {"client": "fd00:0:0:1::1", "server": "fd00:0:0:2::2"},
}
ROUTED_PORT = {
    "reject-port-unreachable": 40201,
    "reject-admin-prohibited": 40202,
    "reject-host-unreachable": 40203,
    "reject-ipv6-prohibited": 40204,
    "time-exceeded": 40205,
    "drop-no-answer": 40206,
    "middlebox-reset": 40207,
    "synproxy": 40208,
    "listen-overflow": 40209,         # also 40309 and 40409
    "listen-overflow-abort": 40210,   # also 40310 and 40410
    "no-data": 40211,
    "close-unread": 40212,
    "offload-over-mss": 40213,
}
CLIENT_PORT.update(ROUTED_PORT)
MARKER = b"HS-MIDDLEBOX-MARKER"   # middlebox-reset: the router's string match

IO_TIMEOUT = 30.0
# Longer than the kernel's maximum delayed-ACK time (200 ms), so an ACK that
# the kernel delays is always sent on its own before the next step.
ACK_SETTLE = 0.5

TCP_FASTOPEN = getattr(socket, "TCP_FASTOPEN", 23)
MSG_FASTOPEN = getattr(socket, "MSG_FASTOPEN", 0x20000000)


class Peer:
    def __init__(self, run_dir, family, scenario):
        self.run_dir = run_dir
        self.family = family
        self.scenario = scenario
        self.af = socket.AF_INET if family == 4 else socket.AF_INET6
        self.addr = ROUTED_ADDR if scenario in ROUTED_PORT else ADDR

    # --- synchronisation through files -----------------------------------
    def path(self, name):
        return os.path.join(self.run_dir, name)

    def touch(self, name):
        with open(self.path(name), "w") as f:
            f.write("%f\n" % time.time())

    def wait_file(self, name, timeout=IO_TIMEOUT, poll=0.001):
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.path(name)):
            if time.monotonic() > deadline:
                raise TimeoutError("timed out waiting for " + name)
            time.sleep(poll)

    def barrier(self, name, role):
        """Both sides touch NAME.ROLE and continue once both files exist."""
        other = "server" if role == "client" else "client"
        self.touch("%s.%s" % (name, role))
        self.wait_file("%s.%s" % (name, other), poll=0.0005)

    # --- sockets ---------------------------------------------------------
    def sockaddr(self, who, port):
        return (self.addr[self.family][who], port)

    def listen(self, port=SERVER_PORT, fastopen=False, backlog=8):
        s = socket.socket(self.af, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(self.sockaddr("server", port))
        if fastopen:
            s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
        s.listen(backlog)
        s.settimeout(IO_TIMEOUT)
        self.touch("server.ready")
        return s

    def accept(self, lsock):
        c, _ = lsock.accept()
        c.settimeout(IO_TIMEOUT)
        return c

    def client_socket(self, port=None, reuse=False):
        s = socket.socket(self.af, socket.SOCK_STREAM)
        if reuse:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(self.sockaddr("client", port or CLIENT_PORT[self.scenario]))
        s.settimeout(IO_TIMEOUT)
        return s

    def connect(self, port=None, reuse=False):
        self.wait_file("server.ready")
        s = self.client_socket(port, reuse)
        s.connect(self.sockaddr("server", SERVER_PORT))
        return s

    @staticmethod
    def recv_line(s):
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("EOF before end of line")
            buf += chunk
        return buf

    @staticmethod
    def recv_until_eof(s):
        total = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return total
            total += len(chunk)

    @staticmethod
    def abort(s):
        """close() with SO_LINGER {1, 0}: the kernel sends RST."""
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    # --- common building blocks ----------------------------------------------
    def request(self, s, n=1):
        s.sendall(b"REQUEST %d\n" % n)
        return self.recv_line(s)

    def serve_one(self, c, n=1):
        line = self.recv_line(c)
        c.sendall(b"RESPONSE %d to %s" % (n, line))

    def client_close_first(self, s):
        """Client closes; server (see server_close_second) closes later."""
        time.sleep(0.2)
        s.close()
        time.sleep(ACK_SETTLE * 2)

    def server_close_second(self, c):
        """Read EOF, wait long enough for the delayed ACK, then close:
        the close is FIN, ACK, FIN, ACK (4 packets)."""
        if self.recv_until_eof(c) != 0:
            raise RuntimeError("unexpected data before EOF")
        time.sleep(ACK_SETTLE)
        c.close()
        time.sleep(0.3)

    # --- scenarios -------------------------------------------------------
    # Each scenario is a pair of methods s_<name>_server / s_<name>_client.

    def s_normal_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        self.server_close_second(c)

    def s_normal_client(self):
        s = self.connect()
        self.request(s)
        self.client_close_first(s)

    s_normal_4way_server = s_normal_server
    s_normal_4way_client = s_normal_client
    s_ecn_server = s_normal_server
    s_ecn_client = s_normal_client
    # Option negotiation: a normal connection, sysctls set by record.sh.
    s_wscale_off_server_server = s_normal_server
    s_wscale_off_server_client = s_normal_client
    s_sack_off_server_server = s_normal_server
    s_sack_off_server_client = s_normal_client
    s_timestamps_off_server = s_normal_server
    s_timestamps_off_client = s_normal_client
    s_ipv6_server = s_normal_server
    s_ipv6_client = s_normal_client
    s_one_way_client_server = s_normal_server
    s_one_way_client_client = s_normal_client

    def s_close_3way_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        # Close at once on EOF: the ACK of the client's FIN is still a
        # delayed ACK, so it rides on our FIN (FIN+ACK).
        self.recv_until_eof(c)
        c.close()
        time.sleep(0.3)

    def s_close_3way_client(self):
        s = self.connect()
        self.request(s)
        self.client_close_first(s)

    def s_refused_server(self):
        # Nobody listens on SERVER_PORT: the kernel answers RST+ACK.
        self.touch("server.ready")

    def s_refused_client(self):
        try:
            self.connect()
        except ConnectionRefusedError:
            print("refused as expected")
            time.sleep(0.2)
            return
        raise RuntimeError("connect() unexpectedly succeeded")

    def s_syn_unanswered_server(self):
        # The SYNs are dropped by an nftables rule (see record.sh).
        ls = self.listen()
        self.wait_file("client.done", timeout=60)
        ls.close()

    def s_syn_unanswered_client(self):
        self.wait_file("server.ready")
        s = self.client_socket()
        s.settimeout(60)  # longer than the kernel's own give-up time
        t0 = time.monotonic()
        try:
            s.connect(self.sockaddr("server", SERVER_PORT))
        except OSError as e:
            # The kernel gives up with ETIMEDOUT; a Python-level timeout
            # (socket.timeout, errno None) would mean it never gave up.
            if e.errno != errno.ETIMEDOUT:
                raise
            print("connect gave up after %.1f s: %s" % (time.monotonic() - t0, e))
            time.sleep(0.2)
            return
        raise RuntimeError("connect() unexpectedly succeeded")

    def s_synack_retrans_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        self.server_close_second(c)

    def s_synack_retrans_client(self):
        s = self.connect()
        # Stay silent while the server, whose copy of our first ACK was
        # dropped, retransmits its SYN+ACK (after 1 s); our answer to it
        # completes the handshake.  Any data segment would complete it too.
        time.sleep(2.0)
        self.request(s)
        self.client_close_first(s)

    def s_client_abort_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        try:
            data = c.recv(4096)
            raise RuntimeError("expected a reset, got %r" % data)
        except ConnectionResetError:
            print("server saw the reset")
        c.close()

    def s_client_abort_client(self):
        s = self.connect()
        self.request(s)
        time.sleep(ACK_SETTLE)
        self.abort(s)
        time.sleep(0.3)

    def s_server_abort_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        time.sleep(ACK_SETTLE)
        self.abort(c)
        time.sleep(0.3)

    def s_server_abort_client(self):
        s = self.connect()
        self.request(s)
        try:
            data = s.recv(4096)
            raise RuntimeError("expected a reset, got %r" % data)
        except ConnectionResetError:
            print("client saw the reset")
        s.close()

    def s_half_close_server(self):
        ls = self.listen()
        c = self.accept(ls)
        line = self.recv_line(c)
        if self.recv_until_eof(c) != 0:
            raise RuntimeError("unexpected data before EOF")
        # The client can no longer send, but still receives.
        for i in range(5):
            c.sendall(b"CHUNK %d for %s" % (i, line) + b"x" * 500 + b"\n")
            time.sleep(0.2)
        time.sleep(0.1)
        c.close()
        time.sleep(0.3)

    def s_half_close_client(self):
        s = self.connect()
        s.sendall(b"REQUEST 1\n")
        time.sleep(ACK_SETTLE)
        s.shutdown(socket.SHUT_WR)
        n = self.recv_until_eof(s)
        print("client received %d bytes after its FIN" % n)
        s.close()
        time.sleep(0.3)

    def s_simultaneous_close_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        time.sleep(ACK_SETTLE)
        self.barrier("close", "server")
        c.close()
        time.sleep(1.0)

    def s_simultaneous_close_client(self):
        s = self.connect()
        self.request(s)
        time.sleep(ACK_SETTLE)
        self.barrier("close", "client")
        s.close()
        time.sleep(1.0)

    def simopen(self, role):
        me, other = (("client", "server") if role == "client"
                     else ("server", "client"))
        ports = {"client": CLIENT_PORT[self.scenario], "server": SIMOPEN_SERVER_PORT}
        s = socket.socket(self.af, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(self.sockaddr(me, ports[me]))
        s.settimeout(IO_TIMEOUT)
        self.barrier("open", role)
        s.connect(self.sockaddr(other, ports[other]))
        return s

    def s_simultaneous_open_server(self):
        self.touch("server.ready")
        s = self.simopen("server")
        self.serve_one(s)
        self.server_close_second(s)

    def s_simultaneous_open_client(self):
        s = self.simopen("client")
        time.sleep(ACK_SETTLE)
        self.request(s)
        self.client_close_first(s)

    def s_port_reuse_server(self):
        ls = self.listen()
        for n in (1, 2):
            c = self.accept(ls)
            self.serve_one(c, n)
            self.server_close_second(c)

    def s_port_reuse_client(self):
        s = self.connect(reuse=True)
        self.request(s, 1)
        self.client_close_first(s)  # the client socket is now in TIME_WAIT
        # What works here (Linux 6.18, tcp_tw_reuse at its default 2 =
        # loopback only, even with 0): SO_REUSEADDR lets bind() take the
        # port held by our TIME_WAIT socket, and connect() from an explicitly
        # bound port may then take over the TIME_WAIT 4-tuple at once
        # (timestamps are on; __inet_check_established() with no twp).
        # Without SO_REUSEADDR bind() fails with EADDRINUSE.
        time.sleep(1.0)
        s = self.connect(reuse=True)
        self.request(s, 2)
        self.client_close_first(s)

    def s_tfo_server(self):
        ls = self.listen(fastopen=True)
        for n in (1, 2):
            c = self.accept(ls)
            self.serve_one(c, n)
            self.server_close_second(c)

    def s_tfo_client(self):
        self.wait_file("server.ready")
        for n, port in ((1, CLIENT_PORT["tfo"]), (2, CLIENT_PORT["tfo"] + 100)):
            s = self.client_socket(port)
            s.settimeout(None)  # sendto(MSG_FASTOPEN) must block like connect()
            # 1st: no cookie yet, the SYN asks for one and the data follows
            # the handshake.  2nd: the SYN carries the cookie and the data.
            s.sendto(b"REQUEST %d\n" % n, MSG_FASTOPEN,
                     self.sockaddr("server", SERVER_PORT))
            s.settimeout(IO_TIMEOUT)
            self.recv_line(s)
            self.client_close_first(s)
            time.sleep(0.5)

    def s_midstream_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c, 1)
        self.serve_one(c, 2)
        self.server_close_second(c)

    def s_midstream_client(self):
        s = self.connect()
        self.request(s, 1)
        time.sleep(ACK_SETTLE)
        self.touch("established")
        self.wait_file("capture.started")
        time.sleep(0.2)
        self.request(s, 2)
        self.client_close_first(s)

    def s_open_at_end_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        self.server_close_second(c)

    def s_open_at_end_client(self):
        s = self.connect()
        self.request(s)
        time.sleep(ACK_SETTLE)
        self.touch("established")
        self.wait_file("capture.stopped")
        self.client_close_first(s)

    def s_one_side_closed_at_end_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        if self.recv_until_eof(c) != 0:
            raise RuntimeError("unexpected data before EOF")
        self.wait_file("capture.stopped")
        c.close()
        time.sleep(0.3)

    def s_one_side_closed_at_end_client(self):
        s = self.connect()
        self.request(s)
        time.sleep(0.2)
        s.shutdown(socket.SHUT_WR)
        time.sleep(ACK_SETTLE)  # the server's (delayed) ACK of our FIN
        self.touch("established")
        self.wait_file("capture.stopped")
        self.recv_until_eof(s)
        s.close()
        time.sleep(0.3)

    # --- scenarios added for the remaining conn_states and expert kinds ------

    def s_midstream_open_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c, 1)
        self.serve_one(c, 2)
        self.wait_file("capture.stopped")
        self.server_close_second(c)

    def s_midstream_open_client(self):
        s = self.connect()
        self.request(s, 1)
        time.sleep(ACK_SETTLE)
        self.touch("established")
        self.wait_file("capture.started")
        time.sleep(0.2)
        self.request(s, 2)
        time.sleep(ACK_SETTLE)  # our (delayed) ACK of the response
        self.touch("exchanged")
        self.wait_file("capture.stopped")
        self.client_close_first(s)

    def s_server_closed_at_end_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        time.sleep(0.2)
        c.shutdown(socket.SHUT_WR)  # our FIN; the client only ACKs it
        time.sleep(ACK_SETTLE)      # the client's delayed ACK of the FIN
        self.touch("established")
        self.wait_file("capture.stopped")
        self.recv_until_eof(c)
        c.close()
        time.sleep(0.3)

    def s_server_closed_at_end_client(self):
        s = self.connect()
        self.request(s)
        if self.recv_until_eof(s) != 0:
            raise RuntimeError("unexpected data before the server's FIN")
        self.wait_file("capture.stopped")
        s.close()
        time.sleep(0.3)

    def s_fin_retrans_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        if self.recv_until_eof(c) != 0:
            raise RuntimeError("unexpected data before EOF")
        # The ACK of the client's FIN is dropped (record.sh); the client
        # retransmits its FIN after its RTO (about 200 ms).  Close well after.
        time.sleep(1.0)
        c.close()
        time.sleep(0.3)

    def s_fin_retrans_client(self):
        s = self.connect()
        self.request(s)
        time.sleep(ACK_SETTLE)
        self.touch("close.ready")
        self.wait_file("rule.added")
        time.sleep(0.2)
        s.close()
        time.sleep(1.5)

    def s_fin_unacked_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        if self.recv_until_eof(c) != 0:
            raise RuntimeError("unexpected data before EOF")
        # Everything we send from now on is dropped (record.sh).
        self.wait_file("capture.stopped")
        c.close()

    def s_fin_unacked_client(self):
        s = self.connect()
        self.request(s)
        time.sleep(ACK_SETTLE)
        self.touch("close.ready")
        self.wait_file("rule.added")
        time.sleep(0.2)
        s.close()
        self.touch("fin.sent")
        self.wait_file("capture.stopped")

    @staticmethod
    def checksum(data):
        if len(data) % 2:
            data += b"\0"
        total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
        while total >> 16:
            total = (total & 0xFFFF) + (total >> 16)
        return ~total & 0xFFFF

    def raw_segment(self, sport, dport, seq, ack, flags, opts=b""):
        """Send one TCP segment from a raw socket, client to server (IPv4)."""
        src, dst = ADDR[4]["client"], ADDR[4]["server"]
        hlen = 20 + len(opts)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          (hlen // 4) << 4, flags, 64240, 0, 0) + opts
        pseudo = (socket.inet_aton(src) + socket.inet_aton(dst) +
                  struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp)))
        tcp = tcp[:16] + struct.pack("!H", self.checksum(pseudo + tcp)) + tcp[18:]
        r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
        r.sendto(tcp, (dst, 0))
        r.close()

    def raw_syn(self, sport, dport):
        """Send one SYN from a raw socket: no kernel socket owns sport, so
        the kernel answers the SYN+ACK with a RST (a "half-open" SYN scan)."""
        self.raw_segment(sport, dport, random.getrandbits(32), 0, 0x02,
                         struct.pack("!BBH", 2, 4, 1460))   # MSS 1460

    def s_syn_then_rst_server(self):
        ls = self.listen()
        self.wait_file("client.done")
        ls.close()

    def s_syn_then_rst_client(self):
        if self.family != 4:
            raise RuntimeError("syn-then-rst is IPv4 only")
        self.wait_file("server.ready")
        self.raw_syn(CLIENT_PORT[self.scenario], SERVER_PORT)
        time.sleep(0.5)

    def s_half_open_discovery_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c, 1)
        # The client's abort (RST+ACK) is dropped on its way in (record.sh):
        # this socket stays ESTABLISHED until the client's new SYN makes us
        # send a challenge ACK, which the client answers with a RST.
        try:
            data = c.recv(4096)
            raise RuntimeError("expected a reset, got %r" % data)
        except ConnectionResetError:
            print("server: old connection reset by the half-open discovery")
        c.close()
        c = self.accept(ls)
        self.serve_one(c, 2)
        self.server_close_second(c)

    def s_half_open_discovery_client(self):
        s = self.connect(reuse=True)
        self.request(s, 1)
        time.sleep(ACK_SETTLE)
        self.touch("close.ready")
        self.wait_file("rule.added")
        time.sleep(0.2)
        self.abort(s)            # the kernel forgets the connection at once
        time.sleep(ACK_SETTLE)
        # Same 4-tuple, new ISN: SYN, challenge ACK, our RST, and 1 s later
        # the SYN retransmission opens the new connection.
        s = self.connect(reuse=True)
        self.request(s, 2)
        self.client_close_first(s)

    def s_synack_stale_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        self.server_close_second(c)

    def s_synack_stale_client(self):
        self.wait_file("server.ready")
        s = self.client_socket(reuse=True)
        s.setblocking(False)
        err = s.connect_ex(self.sockaddr("server", SERVER_PORT))
        if err != errno.EINPROGRESS:
            raise OSError(err, "non-blocking connect: " + os.strerror(err))
        # The server's SYN+ACK is dropped on its way out (record.sh).  Give
        # up on this attempt (close() in SYN_SENT sends nothing) and start a
        # new one on the same port with a new ISN.
        time.sleep(0.3)
        s.close()
        s = self.client_socket(reuse=True)
        self.touch("syn2.sent")
        s.connect(self.sockaddr("server", SERVER_PORT))
        self.request(s)
        self.client_close_first(s)

    def s_synack_new_isn_server(self):
        ls = self.listen()
        # The first SYN+ACK is dropped before the client's TCP sees it
        # (record.sh); then the listener is restarted, which forgets the
        # pending request: the retransmitted SYN gets a new ISN.
        self.wait_file("restart")
        ls.close()
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        self.server_close_second(c)

    def s_synack_new_isn_client(self):
        s = self.connect()
        self.request(s)
        self.client_close_first(s)

    def s_syn_missed_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        self.server_close_second(c)

    def s_syn_missed_client(self):
        # The SYN+ACK is held in the server namespace until the capture has
        # started (record.sh), so the capture begins with it.
        s = self.connect()
        time.sleep(ACK_SETTLE)
        self.request(s)
        self.client_close_first(s)


    def s_one_way_server_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c, 1)
        self.server_close_second(c)
        c = self.accept(ls)
        self.serve_one(c, 2)
        time.sleep(ACK_SETTLE)
        self.abort(c)
        time.sleep(0.3)

    def s_one_way_server_client(self):
        s = self.connect()
        self.request(s, 1)
        self.client_close_first(s)
        s = self.connect(port=CLIENT_PORT[self.scenario] + 100)
        self.request(s, 2)
        try:
            data = s.recv(4096)
            raise RuntimeError("expected a reset, got %r" % data)
        except ConnectionResetError:
            print("client saw the reset")
        s.close()

    # --- rst-oracle: what Linux does with injected control segments ------
    # The client's kernel socket talks to the server's; a raw socket in the
    # client's namespace injects, with the client's 4-tuple, an RST inside
    # the server's window, one far outside it, a SYN, and last an RST at
    # RCV.NXT (RFC 5961).  The capture holds the server kernel's answers.

    def s_rst_oracle_server(self):
        ls = self.listen()
        c = self.accept(ls)
        for n in (1, 2):
            self.serve_one(c, n)
        try:
            data = c.recv(4096)
            raise RuntimeError("expected the exact RST to reset us, got %r" % data)
        except ConnectionResetError:
            print("server: reset by the RST at RCV.NXT (the others were not taken)")
        c.close()
        ls.close()

    def s_rst_oracle_client(self):
        if self.family != 4:
            raise RuntimeError("rst-oracle is IPv4 only")
        sniff = Sniffer("hs-c", SERVER_PORT)
        s = self.connect()
        sport = CLIENT_PORT[self.scenario]
        self.request(s, 1)
        # Linux rate-limits challenge ACKs per socket (tcp_invalid_ratelimit,
        # 500 ms): leave more than that between injections.
        gap = 0.8
        time.sleep(gap)
        nxt = sniff.client_next()
        self.raw_segment(sport, SERVER_PORT, nxt + 1000, 0, 0x04)          # RST in the window
        time.sleep(gap)
        self.raw_segment(sport, SERVER_PORT, nxt + (1 << 30), 0, 0x04)     # RST outside it
        time.sleep(gap)
        self.raw_segment(sport, SERVER_PORT, nxt + 5000000, 0, 0x02)       # SYN, established
        time.sleep(gap)
        self.request(s, 2)                   # the connection is alive
        time.sleep(gap)
        self.raw_segment(sport, SERVER_PORT, sniff.client_next(), 0, 0x04)  # RST at RCV.NXT
        time.sleep(gap)
        try:
            self.request(s, 3)
            raise RuntimeError("expected the server to be gone")
        except (ConnectionResetError, ConnectionError):
            print("client: the server's kernel resets the dead connection")
        s.close()
        sniff.stop()

    # --- routed scenarios (record-routed.sh): a router between the two ------

    def s_connect_fails_server(self):
        """A listener that the client's SYN never reaches (the router
        rejects or drops it): it must see no connection at all."""
        ls = self.listen()
        ls.settimeout(0.05)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.path("client.done")):
            if time.monotonic() > deadline:
                raise TimeoutError("timed out waiting for client.done")
            try:
                c, peer = ls.accept()
                raise RuntimeError("a connection from %s reached the server" % (peer,))
            except socket.timeout:
                pass
        ls.close()

    def s_connect_fails_client(self):
        """connect() must fail with a kernel error: print which and when."""
        self.wait_file("server.ready")
        s = self.client_socket()
        s.settimeout(60)  # longer than the kernel's own give-up time
        t0 = time.monotonic()
        try:
            s.connect(self.sockaddr("server", SERVER_PORT))
        except OSError as e:
            if e.errno is None:   # a Python-level timeout: the kernel never gave up
                raise
            print("connect failed after %.1f s: %s %s (ICMP errors taken while the "
                  "socket was locked: %s)" % (
                      time.monotonic() - t0, errno.errorcode.get(e.errno, e.errno),
                      e.strerror, self.netstat("TcpExt", "LockDroppedIcmps")))
            time.sleep(0.3)
            return
        raise RuntimeError("connect() unexpectedly succeeded")

    @staticmethod
    def netstat(group, name):
        """A counter of /proc/net/netstat (this namespace's), or None."""
        try:
            with open("/proc/net/netstat") as f:
                lines = [l.split() for l in f]
        except OSError:
            return None
        for head, vals in zip(lines[::2], lines[1::2]):
            if head and head[0] == group + ":" and name in head:
                return int(vals[head.index(name)])
        return None

    s_reject_port_unreachable_server = s_connect_fails_server
    s_reject_port_unreachable_client = s_connect_fails_client
    s_reject_admin_prohibited_server = s_connect_fails_server
    s_reject_admin_prohibited_client = s_connect_fails_client
    s_reject_host_unreachable_server = s_connect_fails_server
    s_reject_host_unreachable_client = s_connect_fails_client
    s_reject_ipv6_prohibited_server = s_connect_fails_server
    s_reject_ipv6_prohibited_client = s_connect_fails_client
    s_time_exceeded_server = s_connect_fails_server
    s_time_exceeded_client = s_connect_fails_client
    s_drop_no_answer_server = s_connect_fails_server
    s_drop_no_answer_client = s_connect_fails_client

    def s_middlebox_reset_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        # The client's next segment (with MARKER) never arrives: the router
        # drops it and resets the client.  This side stays ESTABLISHED until
        # the client is done, then closes; the client's kernel, which has
        # forgotten the connection, answers the FIN with a RST.
        self.wait_file("client.done")
        c.close()
        time.sleep(0.5)

    def s_middlebox_reset_client(self):
        s = self.connect()
        self.request(s)
        time.sleep(ACK_SETTLE)
        s.sendall(b"REQUEST 2 " + MARKER + b"\n")
        try:
            data = s.recv(4096)
            raise RuntimeError("expected a reset, got %r" % data)
        except ConnectionResetError:
            print("client saw the reset")
        s.close()
        time.sleep(0.3)

    def s_synproxy_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        self.server_close_second(c)

    def s_synproxy_client(self):
        s = self.connect()
        # connect() returns once the router's SYNPROXY has answered; it then
        # opens its own handshake with the server.  Let that finish first.
        time.sleep(ACK_SETTLE)
        self.request(s)
        self.client_close_first(s)

    def overflow_server(self):
        """backlog 1 and never accept(): two connections fill the accept
        queue; the third one's handshake ACK is dropped (or, with
        tcp_abort_on_overflow=1, answered with a RST)."""
        ls = self.listen(backlog=1)
        self.wait_file("overflow.done", timeout=60)
        # Closing the listener resets the connections still in its accept
        # queue.
        ls.close()
        self.touch("listener.closed")
        time.sleep(0.5)

    def overflow_client(self, abort):
        base = CLIENT_PORT[self.scenario]
        a = self.connect()                 # accept queue: 1
        time.sleep(0.3)
        # B and C 20 ms apart; the router delays what we send by 100 ms, so
        # C's SYN reaches the server before B's ACK: both get a SYN+ACK, B's
        # ACK fills the accept queue (2 > backlog 1), C's ACK overflows it.
        socks = []
        for n, port in ((2, base + 100), (3, base + 200)):
            s = self.client_socket(port)
            s.setblocking(False)
            err = s.connect_ex(self.sockaddr("server", SERVER_PORT))
            if err != errno.EINPROGRESS:
                raise OSError(err, "non-blocking connect: " + os.strerror(err))
            socks.append(s)
            time.sleep(0.02)
        b, c = socks
        for s in (b, c):
            s.setblocking(True)
            s.settimeout(IO_TIMEOUT)
            _, w, _ = select.select([], [s], [], IO_TIMEOUT)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if not w or err:
                raise OSError(err, "connect: " + os.strerror(err))
        print("all three connect() calls succeeded")
        if abort:
            time.sleep(1.0)
        else:
            # The server keeps C's request socket and retransmits its SYN+ACK
            # (tcp_synack_retries=2: after 1 and 3 s) ; each of our answers is
            # dropped again; 7 s after the SYN it forgets C.  Our request then
            # reaches the bare listener, whose kernel resets it.
            time.sleep(8.0)
            c.sendall(b"REQUEST 3\n")
        try:
            data = c.recv(4096)
            raise RuntimeError("expected a reset on C, got %r" % data)
        except ConnectionResetError:
            print("client C saw the reset")
        c.close()
        time.sleep(0.3)
        self.touch("overflow.done")
        self.wait_file("listener.closed")
        for name, s in (("A", a), ("B", b)):
            try:
                data = s.recv(4096)
                raise RuntimeError("expected a reset on %s, got %r" % (name, data))
            except ConnectionResetError:
                print("client %s saw the reset" % name)
            s.close()
        time.sleep(0.3)

    s_listen_overflow_server = overflow_server
    s_listen_overflow_abort_server = overflow_server

    def s_listen_overflow_client(self):
        self.overflow_client(abort=False)

    def s_listen_overflow_abort_client(self):
        self.overflow_client(abort=True)

    def s_no_data_server(self):
        ls = self.listen()
        c = self.accept(ls)
        # A socket that never received data has no delayed-ACK estimate yet
        # (icsk_ack.ato 0): the ACK of the client's FIN leaves within a jiffy
        # or two, so close() at once on EOF races with it (FIN+ACK in 6 of 8
        # recordings, ACK then FIN+ACK in 2).  Wait: always FIN, ACK, FIN, ACK.
        self.server_close_second(c)

    def s_no_data_client(self):
        s = self.connect()
        time.sleep(ACK_SETTLE)
        s.close()
        time.sleep(ACK_SETTLE)

    def s_close_unread_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.serve_one(c)
        c.close()              # FIN; anything the client sends now is reset
        time.sleep(1.5)

    def s_close_unread_client(self):
        s = self.connect()
        self.request(s)
        if self.recv_until_eof(s) != 0:
            raise RuntimeError("unexpected data before the server's FIN")
        time.sleep(ACK_SETTLE)  # our (delayed) ACK of the FIN goes out alone
        s.sendall(b"REQUEST 2\n")
        time.sleep(ACK_SETTLE)
        try:
            s.sendall(b"REQUEST 3\n")
            raise RuntimeError("expected the reset to close the socket")
        except (ConnectionResetError, BrokenPipeError) as e:
            print("client: %s after the server's RST" % type(e).__name__)
        s.close()
        time.sleep(0.3)

    OFFLOAD_BYTES = 20000

    def s_offload_over_mss_server(self):
        ls = self.listen()
        c = self.accept(ls)
        self.recv_line(c)
        c.sendall(b"x" * (self.OFFLOAD_BYTES - 1) + b"\n")   # one write
        self.server_close_second(c)

    def s_offload_over_mss_client(self):
        s = self.connect()
        s.sendall(b"REQUEST 1\n")
        got = 0
        while got < self.OFFLOAD_BYTES:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("EOF after %d bytes" % got)
            got += len(chunk)
        print("client received %d bytes" % got)
        time.sleep(ACK_SETTLE)
        self.client_close_first(s)


class Sniffer:
    """The client's sequence space as its own kernel sends it: an AF_PACKET
    socket on the client's interface (IPv4 over Ethernet)."""

    def __init__(self, iface, port):
        self.port = port
        self.next = None
        self.lock = threading.Lock()
        # ETH_P_ALL: outgoing frames reach only such sockets.
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        self.sock.bind((iface, 0))
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                frame, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            if (addr[2] != socket.PACKET_OUTGOING or len(frame) < 54 or frame[12:14] != b"\x08\x00" or
                    frame[23] != socket.IPPROTO_TCP):
                continue
            ihl = (frame[14] & 15) * 4
            tcp = frame[14 + ihl:]
            total = struct.unpack("!H", frame[16:18])[0]
            dport, seq = struct.unpack("!H", tcp[2:4])[0], struct.unpack("!I", tcp[4:8])[0]
            flags, thl = tcp[13], (tcp[12] >> 4) * 4
            if dport != self.port or flags & 0x04 or not flags & 0x10:   # the kernel's own ACKs and data
                continue
            end = (seq + total - ihl - thl + (flags & 0x01)) & 0xFFFFFFFF
            with self.lock:
                if self.next is None or ((end - self.next) & 0xFFFFFFFF) < (1 << 31):
                    self.next = end

    def client_next(self):
        with self.lock:
            if self.next is None:
                raise RuntimeError("no segment of the client's seen yet")
            return self.next

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def main():
    ap = argparse.ArgumentParser(description="one side of a recorder scenario")
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--family", type=int, choices=(4, 6), default=4)
    ap.add_argument("scenario", choices=sorted(CLIENT_PORT))
    ap.add_argument("role", choices=("client", "server"))
    args = ap.parse_args()
    peer = Peer(args.run_dir, args.family, args.scenario)
    fn = getattr(peer, "s_%s_%s" % (args.scenario.replace("-", "_"), args.role))
    try:
        fn()
    finally:
        if args.role == "client":
            peer.touch("client.done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
