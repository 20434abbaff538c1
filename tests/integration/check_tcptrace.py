#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The handshake legs against an independent tool: tcptrace ("RTT from 3WHS",
per direction, to 0.1 ms) on every real capture.

tcptrace's host a sent the connection's first packet; its a->b "RTT from
3WHS" runs from a's SYN (or SYN+ACK) to b's answer, so it is
hs.rtt.syn_synack when a is the initiator and hs.rtt.synack_ack when a is the
responder; the other direction is the other leg.  tcptrace prints 0.0 for a
leg it did not measure; the plugin's missing legs count as 0.0 too.  They
agree when they are within tcptrace's resolution (0.05 ms either way).

Connections are paired by 4-tuple, in order.  Every difference must be one
written down in DIFFERENCES (with its reason), and every one written down
must still occur.  Skipped, saying so, without tcptrace (CI installs it
on the host; Debian sid no longer ships it, and the legs come from the
engine, the same on every Wireshark version).

usage: check_tcptrace.py BUILD_DIR
"""
import collections
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

RESOLUTION = 0.05 + 1e-6     # ms: tcptrace prints %.1f

DIFFERENCES = {
    "refused.pcap": "tcptrace takes the RST answering the SYN as its answer; the plugin's SYN -> SYN+ACK leg "
                    "needs a SYN+ACK",
    "simultaneous-open.pcap": "tcptrace measures nothing on a simultaneous open; the plugin measures the "
                              "initiator's SYN to the responder's SYN+ACK",
    "syn-missed.pcap": "the SYN was not captured: tcptrace measures from the SYN+ACK to the ACK; the plugin "
                       "measures only legs whose numbers it could check, and without the SYN it cannot check "
                       "the SYN+ACK's",
    "synack-stale.pcap": "the stale SYN+ACK and the client's RST: tcptrace sees 2 connections where the plugin "
                         "(and Zeek) see 3 attempts",
    "syn-unanswered.pcap": "the plugin (as Zeek) starts a new attempt after 5 s without an answer; tcptrace "
                           "keeps one connection",
    "rst-oracle.pcap": "tcptrace starts a new connection at the injected SYN; the plugin keeps the connection, "
                       "as the receiving kernel did (it answered with a challenge ACK)",
}


def tcptrace(cap):
    """[(first host, second host, a->b ms text, b->a ms text)] per connection."""
    out = subprocess.run(["tcptrace", "-lr", cap], capture_output=True, text=True, check=True).stdout
    conns = []
    for line in out.splitlines():
        if line.startswith("TCP connection "):
            conns.append({"hosts": []})
        m = re.match(r"\s+host \w+:\s+(\S+)", line)
        if m and conns:
            conns[-1]["hosts"].append(m.group(1))
        m = re.match(r"\s+RTT from 3WHS:\s+([\d.]+) ms\s+RTT from 3WHS:\s+([\d.]+) ms", line)
        if m and conns:
            conns[-1]["ab"], conns[-1]["ba"] = m.group(1), m.group(2)
    return [(c["hosts"][0], c["hosts"][1], c["ab"], c["ba"]) for c in conns if len(c["hosts"]) == 2]


def plugin(ts, cap):
    """[(initiator, responder, syn_synack ms, synack_ack ms)] per attempt."""
    out = ts.fields(cap, ["hs.initiator", "hs.responder", "hs.rtt.syn_synack", "hs.rtt.synack_ack"], True,
                    ["-Y", "hs.conn.last"])
    rows = [line.split("\t") for line in out.rstrip("\n").split("\n")[1:] if line]
    return [(r[0], r[1], float(r[2]) * 1e3 if r[2] else 0.0, float(r[3]) * 1e3 if r[3] else 0.0) for r in rows]


def endpoint(s):
    """tcptrace's 198.18.0.1:40001 and the plugin's [fd00::1]:40001 alike."""
    host, port = s.rsplit(":", 1)
    return host.strip("[]").replace("0000", "0").lower(), port


def key(a, b):
    return tuple(sorted((endpoint(a)[1], endpoint(b)[1])))


def compare(ts, cap):
    """(agreeing connections, [differences])."""
    tt = collections.defaultdict(list)
    for a, b, ab, ba in tcptrace(cap):
        tt[key(a, b)].append((endpoint(a), ab, ba))
    hs = collections.defaultdict(list)
    for ini, resp, leg1, leg2 in plugin(ts, cap):
        hs[key(ini, resp)].append((endpoint(ini), leg1, leg2))
    agree, diffs = 0, []
    for k in sorted(set(tt) | set(hs)):
        if len(tt[k]) != len(hs[k]):
            diffs.append(f"ports {k}: tcptrace {len(tt[k])} connections, plugin {len(hs[k])} attempts")
        for (a, ab, ba), (ini, leg1, leg2) in zip(tt[k], hs[k]):
            first, second = (leg1, leg2) if a[1] == ini[1] else (leg2, leg1)
            if abs(first - float(ab)) <= RESOLUTION and abs(second - float(ba)) <= RESOLUTION:
                agree += 1
            else:
                diffs.append(f"ports {k}: tcptrace {ab}/{ba} ms, plugin {first:.3f}/{second:.3f} ms")
    return agree, diffs


def main():
    if not shutil.which("tcptrace"):
        print("SKIP: tcptrace is not installed (apt-get install tcptrace)")
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    failures, agreed, total = [], 0, 0
    for path in sorted(glob.glob(os.path.join(hstest.SOURCE_DIR, "captures", "real", "*.pcap"))):
        name = os.path.basename(path)
        agree, diffs = compare(ts, ts.capture(path))
        agreed += agree
        total += agree + sum(1 for d in diffs if "tcptrace " in d and "connections" not in d)
        for d in diffs:
            print(f"{name}: {d}{' (known: ' + DIFFERENCES[name] + ')' if name in DIFFERENCES else ''}")
        if diffs and name not in DIFFERENCES:
            failures.append(f"{name}: differs from tcptrace and no reason is written down: {diffs}")
        if not diffs and name in DIFFERENCES:
            failures.append(f"{name}: agrees with tcptrace now; remove it from DIFFERENCES")
    print(f"handshake legs: {agreed} connections agree with tcptrace (0.1 ms)")
    return hstest.report("tcptrace", failures)


if __name__ == "__main__":
    sys.exit(main())
