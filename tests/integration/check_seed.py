#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The seed trace (the blog's windump lines) says exactly what the plugin
must say, in one pass and in two: frames 1-3 are steps 1-3, 4-6 no step,
7-10 steps 4-7 with the server (the responder) closing first, which the
blog gets wrong; `-Y hs.step==3` prints frame 3 alone; no anomaly at all.

usage: check_seed.py BUILD_DIR SEED_PCAP
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

EXPECTED = {  # frame: (hs.step, hs.label, hs.seq, hs.ack)
    1: ("1", "SYN(x)", "1337949936", ""),
    2: ("2", "SYN+ACK(y,x+1)", "3859825850", "1337949937"),
    3: ("3", "ACK(y+1)", "", "3859825851"),
    4: ("", "", "", ""), 5: ("", "", "", ""), 6: ("", "", "", ""),
    7: ("4", "FIN(X)", "3859826074", ""),
    8: ("5", "ACK(X+1)", "", "3859826075"),
    9: ("6", "FIN(Y)", "1337950298", ""),
    10: ("7", "ACK(Y+1)", "", "1337950299"),
}
FIELDS = ["frame.number", "hs.step", "hs.label", "hs.seq", "hs.ack", "hs.valid",
          "hs.close.initiator", "hs.anomaly", "_ws.expert.severity"]


def check(ts, cap, two_pass):
    mode = "-2" if two_pass else "single pass"
    failures = []
    rows = ts.fields(cap, FIELDS, two_pass).rstrip("\n").split("\n")[1:]
    if len(rows) != 10:
        failures.append(f"{mode}: {len(rows)} rows, expected 10")
    for row in rows:
        f = row.split("\t")
        frame = int(f[0])
        if tuple(f[1:5]) != EXPECTED[frame]:
            failures.append(f"{mode}: frame {frame}: got {f[1:5]}, expected {list(EXPECTED[frame])}")
        if f[1] and f[5] != "1":
            failures.append(f"{mode}: frame {frame}: numbers do not check out")
        if f[7]:
            failures.append(f"{mode}: frame {frame}: anomaly {f[7]} on the clean seed")
    # Who closed first is the server: the responder.
    out = ts.run((["-2"] if two_pass else []) + ["-r", cap, "-Y", 'hs.close.initiator == "responder" && hs.step == 4',
                                                 "-T", "fields", "-e", "frame.number"])
    if out.split() != ["7"]:
        failures.append(f"{mode}: close initiator filter gave {out.split()}, expected frame 7")
    out = ts.run((["-2"] if two_pass else []) + ["-r", cap, "-Y", "hs.step==3", "-T", "fields", "-e", "frame.number"])
    if out.split() != ["3"]:
        failures.append(f"{mode}: -Y hs.step==3 gave frames {out.split()}, expected 3 alone")
    out = ts.run((["-2"] if two_pass else []) + ["-r", cap, "-Y", 'hs.label contains "FIN"', "-T", "fields",
                                                 "-e", "frame.number"])
    if out.split() != ["7", "9"]:
        failures.append(f"{mode}: hs.label contains FIN gave {out.split()}, expected 7 9")
    return failures


def main():
    build, seed = sys.argv[1:3]
    ts = hstest.Tshark(build)
    cap = ts.capture(seed)
    return hstest.report("seed", check(ts, cap, False) + check(ts, cap, True))


if __name__ == "__main__":
    sys.exit(main())
