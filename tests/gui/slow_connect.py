#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write a "the site is slow to connect" capture, for the GUI pictures.

    slow_connect.py OUTPUT.pcap

One HTTPS connection a second for 60 s from a client (192.0.2.10) to a
server (203.0.113.80), with Linux-like TCP options.  For the first and the
last 20 s the server answers in about 20 ms; in between it is overloaded:
it answers after 250 to 550 ms, every third SYN is never answered (the
client sends it three times, at 0, 1 and 3 s) and one SYN is refused.
Deterministic: tcpdump text lines (tests/tools/tcpdump2pcap.py's syntax)
made into a pcap by that tool.
"""
import os
import subprocess
import sys
import tempfile

CLIENT, SERVER = "192.0.2.10", "203.0.113.80"
SYN_OPTS = "options [mss 1460,sackOK,TS val {ts} ecr {ecr},nop,wscale 7]"
TS_OPTS = "options [nop,nop,TS val {ts} ecr {ecr}]"


def clock(t):
    """Seconds after 10:00:00 as tcpdump's time of day."""
    whole = int(t)
    return f"10:{whole // 60:02d}:{whole % 60:02d}.{round((t - whole) * 1e6):06d}"


def connection(i):
    """(time, line) of every packet of connection I."""
    t = i + 0.137 * (i % 4)
    port = 50000 + i
    c, s = f"{CLIENT}.{port}", f"{SERVER}.443"
    x = (i * 2654435761 + 12345) % 2**32
    y = (i * 40503 * 65537 + 777) % 2**32
    ts = 1000000 + i * 1000
    out = []

    def pkt(at, src, dst, flags, rest):
        out.append((at, f"{clock(at)} IP {src} > {dst}: Flags [{flags}], {rest}"))

    syn = f"seq {x}, win 64240, " + SYN_OPTS.format(ts=ts, ecr=0) + ", length 0"
    slow = 20 <= i < 40
    if slow and i == 30:                       # refused: RST answering the SYN
        pkt(t, c, s, "S", syn)
        pkt(t + 0.2, s, c, "R.", f"seq 0, ack {x + 1}, win 0, length 0")
        return out
    if slow and i % 3 == 0:                    # never answered
        for k, after in enumerate((0, 1, 3)):
            pkt(t + after, c, s, "S", f"seq {x}, win 64240, "
                + SYN_OPTS.format(ts=ts + after * 1000, ecr=0) + ", length 0")
        return out
    rtt = 0.25 + 0.05 * (i % 7) if slow else 0.018 + 0.002 * (i % 5)
    a = t + rtt                                # SYN+ACK arrives
    pkt(t, c, s, "S", syn)
    pkt(a, s, c, "S.", f"seq {y}, ack {x + 1}, win 65160, "
        + SYN_OPTS.format(ts=9000 + i, ecr=ts) + ", length 0")
    pkt(a + 0.0001, c, s, ".", f"seq {x + 1}, ack {y + 1}, win 502, " + TS_OPTS.format(ts=ts + 1, ecr=9000 + i)
        + ", length 0")
    pkt(a + 0.0002, c, s, "P.", f"seq {x + 1}:{x + 518}, ack {y + 1}, win 502, "
        + TS_OPTS.format(ts=ts + 1, ecr=9000 + i) + ", length 517")
    d = a + 0.0002 + rtt
    pkt(d, s, c, "P.", f"seq {y + 1}:{y + 1401}, ack {x + 518}, win 509, "
        + TS_OPTS.format(ts=9001 + i, ecr=ts + 1) + ", length 1400")
    pkt(d + 0.0001, c, s, ".", f"seq {x + 518}, ack {y + 1401}, win 501, "
        + TS_OPTS.format(ts=ts + 2, ecr=9001 + i) + ", length 0")
    f = d + 0.3
    pkt(f, c, s, "F.", f"seq {x + 518}, ack {y + 1401}, win 501, "
        + TS_OPTS.format(ts=ts + 3, ecr=9001 + i) + ", length 0")
    pkt(f + rtt, s, c, "F.", f"seq {y + 1401}, ack {x + 519}, win 509, "
        + TS_OPTS.format(ts=9002 + i, ecr=ts + 3) + ", length 0")
    pkt(f + rtt + 0.0001, c, s, ".", f"seq {x + 519}, ack {y + 1402}, win 501, "
        + TS_OPTS.format(ts=ts + 4, ecr=9002 + i) + ", length 0")
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lines = sorted(p for i in range(60) for p in connection(i))
    here = os.path.dirname(os.path.abspath(__file__))
    tool = os.path.join(here, "..", "tools", "tcpdump2pcap.py")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("# date: 2026-03-02\n")
        f.write("\n".join(line for _, line in lines) + "\n")
    try:
        subprocess.run([sys.executable, tool, f.name, sys.argv[1]], check=True)
    finally:
        os.unlink(f.name)


if __name__ == "__main__":
    main()
