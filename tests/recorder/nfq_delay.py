#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixed-delay packet holder over nfnetlink_queue (Python standard library only).

This kernel has no sch_netem, so the recorder emulates a "netem delay" with an
NFQUEUE rule (iptables ... -j NFQUEUE --queue-num N --queue-bypass) and this
program: every queued packet is held for DELAY milliseconds, then given an
NF_ACCEPT verdict.  Packets keep their order (constant delay).

Usage: nfq_delay.py --queue N --delay-ms MS [--ready-file F]
                    [--hold-until F] [--held-file F]
With --hold-until, every packet is held until the file F exists (and then for
DELAY more milliseconds); --held-file is written when the first packet is
queued.  Runs until SIGTERM/SIGINT.  Must run inside the network namespace whose
netfilter rules queue the packets.
"""

import argparse
import heapq
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2

NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2

NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2

NFQNL_CFG_CMD_BIND = 1
NFQNL_CFG_CMD_PF_BIND = 3
NFQNL_CFG_CMD_PF_UNBIND = 4
NFQNL_COPY_META = 1

NF_ACCEPT = 1


def nla(attr_type, payload):
    length = 4 + len(payload)
    pad = (4 - length % 4) % 4
    return struct.pack("=HH", length, attr_type) + payload + b"\0" * pad


class Nfq:
    def __init__(self, queue):
        self.queue = queue
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.bind((0, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)

    def send(self, msg_type, family, attrs, flags=NLM_F_REQUEST):
        self.seq += 1
        nfgen = struct.pack("=BBH", family, 0, socket.htons(self.queue))
        body = nfgen + b"".join(attrs)
        hdr = struct.pack("=IHHII", 16 + len(body),
                          (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, self.seq, 0)
        self.sock.send(hdr + body)

    def config_cmd(self, cmd, pf, check=True):
        payload = struct.pack("!BxH", cmd, pf)
        self.send(NFQNL_MSG_CONFIG, socket.AF_UNSPEC, [nla(NFQA_CFG_CMD, payload)],
                  NLM_F_REQUEST | NLM_F_ACK)
        self.expect_ack(check)

    def config_params(self):
        payload = struct.pack("!IB", 0xFFFF, NFQNL_COPY_META)
        self.send(NFQNL_MSG_CONFIG, socket.AF_UNSPEC, [nla(NFQA_CFG_PARAMS, payload)],
                  NLM_F_REQUEST | NLM_F_ACK)
        self.expect_ack(True)

    def expect_ack(self, check):
        data = self.sock.recv(65536)
        length, mtype = struct.unpack_from("=IH", data, 0)
        if mtype == NLMSG_ERROR:
            err = struct.unpack_from("=i", data, 16)[0]
            if err != 0 and check:
                raise OSError(-err, "nfqueue config: " + os.strerror(-err))

    def verdict(self, packet_id, verdict=NF_ACCEPT):
        payload = struct.pack("!II", verdict, packet_id)
        self.send(NFQNL_MSG_VERDICT, socket.AF_UNSPEC, [nla(NFQA_VERDICT_HDR, payload)])

    def packets(self, data):
        """Yield packet ids found in a netlink datagram."""
        off = 0
        while off + 16 <= len(data):
            length, mtype = struct.unpack_from("=IH", data, off)
            if length < 16:
                break
            if mtype == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                aoff = off + 16 + 4
                end = off + length
                while aoff + 4 <= end:
                    alen, atype = struct.unpack_from("=HH", data, aoff)
                    if alen < 4:
                        break
                    if (atype & 0x7FFF) == NFQA_PACKET_HDR:
                        yield struct.unpack_from("!I", data, aoff + 4)[0]
                    aoff += (alen + 3) & ~3
            off += (length + 3) & ~3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queue", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, required=True)
    ap.add_argument("--ready-file")
    ap.add_argument("--hold-until", help="hold packets until this file exists")
    ap.add_argument("--held-file", help="written when the first packet is queued")
    args = ap.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    q = Nfq(args.queue)
    for pf in (socket.AF_INET, socket.AF_INET6):
        # Not needed on kernels >= 3.8 (they answer with success or ENOTSUPP).
        q.config_cmd(NFQNL_CFG_CMD_PF_UNBIND, pf, check=False)
        q.config_cmd(NFQNL_CFG_CMD_PF_BIND, pf, check=False)
    q.config_cmd(NFQNL_CFG_CMD_BIND, socket.AF_UNSPEC)
    q.config_params()
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")

    delay = args.delay_ms / 1000.0
    pending = []  # heap of (release_time, order, packet_id)
    order = 0
    held = []  # packet ids waiting for --hold-until
    while not stop:
        if held and os.path.exists(args.hold_until):
            now = time.monotonic()
            for pid in held:
                order += 1
                heapq.heappush(pending, (now + delay, order, pid))
            held = []
        timeout = 0.5
        if pending:
            timeout = max(0.0, pending[0][0] - time.monotonic())
        if held:
            timeout = min(timeout, 0.001)
        try:
            r, _, _ = select.select([q.sock], [], [], timeout)
        except InterruptedError:
            continue
        if r:
            data = q.sock.recv(1 << 17)
            now = time.monotonic()
            for pid in q.packets(data):
                if args.held_file and not os.path.exists(args.held_file):
                    with open(args.held_file, "w") as f:
                        f.write("held\n")
                if args.hold_until and not os.path.exists(args.hold_until):
                    held.append(pid)
                    continue
                order += 1
                heapq.heappush(pending, (now + delay, order, pid))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, pid = heapq.heappop(pending)
            q.verdict(pid)
    # Release whatever is still held so nothing is lost on exit.
    for pid in held:
        q.verdict(pid)
    while pending:
        _, _, pid = heapq.heappop(pending)
        q.verdict(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
