#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the TCP lifecycle of captures as stable text.

Usage: summarize.py [--lengths] CAPTURE...

For each capture and each TCP connection, prints one line:

    NAME stream N: C>S S, S>C SA, C>S A, C>S PA, ...

Connections are numbered from 0 in the order of their first packet.  They are
found without tcp.stream, whose splitting differs between Wireshark versions
(4.2+ starts a new stream for a SYN after FIN or RST, 4.0 does not): packets
are grouped by 4-tuple, and a SYN without ACK starts a new connection on its
4-tuple when its sender already sent a SYN with another sequence number in
the current one (a new ISN; a retransmitted SYN keeps its ISN), or when the
current one had no SYN at all and already saw a FIN or RST.  On the captures
in captures/real this gives exactly tshark 4.0's tcp.stream numbers.

Each token is "direction flags".  Direction is C>S (client to server) or
S>C.  The client is the endpoint that sent the first SYN without ACK; in a
connection without such a SYN (capture started mid-connection, or a capture
of one direction only) it is the receiver of the first SYN+ACK, and without a
SYN+ACK either the endpoint with the higher port (on equal ports, the sender
of the first packet).
Flags are written in the fixed order S F R P A U E C N (SYN, FIN, RST, PSH,
ACK, URG, ECE, CWR, AE/nonce).  With --lengths each token also gets "/LEN"
(the TCP payload length) when the segment carries data.

An ICMP or ICMPv6 error that quotes a TCP segment (captures/routed) is a
token of the connection it quotes, in capture order: "H>C icmp 3/13" (IPv4
type/code) or "H>C icmp6 1/1".  H is a third host (a router); an error sent
by one of the two endpoints is written C>S or S>C like a segment.

ISNs, timestamps, IP IDs and checksums are left out, so two recordings of
the same scenario print the same text.  Needs tshark (any version from 3.x);
only Wireshark's own TCP fields are read.  (Disabling the hs protocol here
would make tshark 4.4+ exit with an error where the plugin is not loaded.)
"""

import argparse
import os
import subprocess
import sys

FIELDS = ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
          "tcp.flags.str", "tcp.len", "tcp.flags", "tcp.seq_raw",
          "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code"]

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
    # Every occurrence: an ICMP error holds two IP headers (its own, then the
    # quoted one); a plain TCP segment has one of each field.
    cmd = ["tshark", "-r", path, "-n", "-Y", "tcp",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE).stdout.decode("utf-8", "replace")
    packets = []
    for line in out.splitlines():
        cols = [c.split(",") for c in line.split("\t")]
        cols += [[""]] * (len(FIELDS) - len(cols))
        first = [c[0] for c in cols]
        src4, src6, sport, dst4, dst6, dport, fstr, length, fhex, seq = first[:10]
        itype4, icode4, itype6, icode6 = first[10:14]
        if sport == "" or dport == "":
            continue
        if itype4 or itype6:
            # The quoted segment's addresses are the last IP header's; the
            # sender of the error is the first one's source.
            ips = cols[0] if itype4 else cols[1]
            dsts = cols[3] if itype4 else cols[4]
            packets.append({
                "src": (ips[-1], int(sport)),
                "dst": (dsts[-1], int(dport)),
                "icmp": ("icmp %s/%s" % (itype4, icode4) if itype4
                         else "icmp6 %s/%s" % (itype6, icode6)),
                "from": ips[0],
                "flags": "",
                "len": 0,
                "seq": None,
            })
            continue
        packets.append({
            "src": (src4 or src6, int(sport)),
            "dst": (dst4 or dst6, int(dport)),
            "flags": flag_letters(fstr, fhex),
            "len": int(length or 0),
            "seq": int(seq) if seq else None,
        })
    return packets


def connections(packets):
    """Split packets into connections (see the module docstring)."""
    conns = []      # lists of packets, in order of their first packet
    current = {}    # 4-tuple -> {"pkts", "syn_seq" (by sender), "closed"}
    for p in packets:
        key = frozenset((p["src"], p["dst"]))
        c = current.get(key)
        if "icmp" in p and c is not None:
            c["pkts"].append(p)     # an error about this connection
            continue
        if "S" in p["flags"] and "A" not in p["flags"] and c is not None:
            mine = c["syn_seq"].get(p["src"])
            if (mine is not None and mine != p["seq"]) or \
                    (not c["syn_seq"] and c["closed"]):
                c = None
        if c is None:
            c = {"pkts": [], "syn_seq": {}, "closed": False}
            current[key] = c
            conns.append(c["pkts"])
        if "S" in p["flags"] and "A" not in p["flags"]:
            c["syn_seq"][p["src"]] = p["seq"]
        if "F" in p["flags"] or "R" in p["flags"]:
            c["closed"] = True
        c["pkts"].append(p)
    return conns


def summarize(path, lengths=False):
    streams = connections(read_packets(path))
    name = os.path.basename(path)
    lines = []
    for sid, pkts in enumerate(streams):
        client = None
        for p in pkts:
            if "S" in p["flags"] and "A" not in p["flags"]:
                client = p["src"]
                break
        if client is None:
            for p in pkts:
                if "S" in p["flags"] and "A" in p["flags"]:
                    client = p["dst"]   # the SYN+ACK goes to the client
                    break
        if client is None:
            a, b = pkts[0]["src"], pkts[0]["dst"]
            client = a if a[1] >= b[1] else b
        tokens = []
        for p in pkts:
            if "icmp" in p:
                # The error goes back to the sender of the quoted segment.
                server = p["dst"] if p["src"] == client else p["src"]
                frm = ("C" if p["from"] == client[0] else
                       "S" if p["from"] == server[0] else "H")
                to = "C" if p["src"] == client else "S"
                tokens.append("%s>%s %s" % (frm, to, p["icmp"]))
                continue
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
