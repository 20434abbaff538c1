#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the TCP lifecycle of captures as stable text.

Usage: summarize.py [--lengths] CAPTURE...

For each capture and each TCP stream, prints one line:

    NAME stream N: C>S S, S>C SA, C>S A, C>S PA, ...

Each token is "direction flags".  Direction is C>S (client to server) or
S>C.  The client is the endpoint that sent the first SYN without ACK; in a
stream without such a SYN (capture started mid-connection) it is the endpoint
with the higher port, and on equal ports the sender of the first packet.
Flags are written in the fixed order S F R P A U E C N (SYN, FIN, RST, PSH,
ACK, URG, ECE, CWR, AE/nonce).  With --lengths each token also gets "/LEN"
(the TCP payload length) when the segment carries data.

ISNs, timestamps, IP IDs and checksums are left out, so two recordings of
the same scenario print the same text.  Needs tshark.
"""

import argparse
import os
import subprocess
import sys

FIELDS = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.flags.str",
          "tcp.len", "tcp.flags"]

# tcp.flags bit -> letter, in output order.
FLAG_BITS = [(0x002, "S"), (0x001, "F"), (0x004, "R"), (0x008, "P"),
             (0x010, "A"), (0x020, "U"), (0x040, "E"), (0x080, "C"),
             (0x100, "N")]
# tcp.flags.str is 12 characters "RRRNCEUAPRSF" with a middle dot for 0.
STR_POS = {3: "N", 4: "C", 5: "E", 6: "U", 7: "A", 8: "P", 9: "R", 10: "S", 11: "F"}


def flag_letters(flags_str, flags_hex):
    bits = None
    if flags_hex:
        try:
            bits = int(flags_hex, 16)
        except ValueError:
            bits = None
    if bits is None:
        s = flags_str.strip()
        present = {STR_POS[i] for i, ch in enumerate(s) if i in STR_POS and ch.isalpha()}
        return "".join(l for _, l in FLAG_BITS if l in present)
    return "".join(l for b, l in FLAG_BITS if bits & b)


def read_packets(path):
    cmd = ["tshark", "-r", path, "-n", "-Y", "tcp", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE).stdout.decode("utf-8", "replace")
    packets = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        stream, ip4, ip6, port, fstr, length, fhex = cols[:7]
        if stream == "":
            continue
        packets.append({
            "stream": int(stream),
            "src": (ip4 or ip6, int(port)),
            "flags": flag_letters(fstr, fhex),
            "len": int(length or 0),
        })
    return packets


def summarize(path, lengths=False):
    streams = {}
    for p in read_packets(path):
        streams.setdefault(p["stream"], []).append(p)
    name = os.path.basename(path)
    lines = []
    for sid in sorted(streams):
        pkts = streams[sid]
        client = None
        for p in pkts:
            if "S" in p["flags"] and "A" not in p["flags"]:
                client = p["src"]
                break
        if client is None:
            ends = []
            for p in pkts:
                if p["src"] not in ends:
                    ends.append(p["src"])
            ends_sorted = sorted(ends, key=lambda e: -e[1])
            if len(ends) > 1 and ends_sorted[0][1] != ends_sorted[1][1]:
                client = ends_sorted[0]
            else:
                client = pkts[0]["src"]
        tokens = []
        for p in pkts:
            tok = ("C>S " if p["src"] == client else "S>C ") + (p["flags"] or "-")
            if lengths and p["len"]:
                tok += "/%d" % p["len"]
            tokens.append(tok)
        lines.append("%s stream %d: %s" % (name, sid, ", ".join(tokens)))
    if not streams:
        lines.append("%s: no TCP packets" % name)
    return lines


def main():
    ap = argparse.ArgumentParser(description="print the TCP lifecycle of captures")
    ap.add_argument("--lengths", action="store_true",
                    help="append /LEN to tokens of segments with payload")
    ap.add_argument("captures", nargs="+", metavar="CAPTURE")
    args = ap.parse_args()
    rc = 0
    for path in args.captures:
        try:
            for line in summarize(path, args.lengths):
                print(line)
        except (OSError, subprocess.CalledProcessError) as e:
            print("%s: error: %s" % (path, e), file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
