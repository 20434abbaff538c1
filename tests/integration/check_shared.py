#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks on third-party captures from ../shared/conformance (skipped, with a
message, where that folder is absent, as in a fresh clone):
- smtp.pcap: four ICMP errors quote a TCP header; none of them is a step.
- http__get.pcap: the close is FIN(X), FIN+ACK(Y,X+1), ACK(Y+1).

usage: check_shared.py BUILD_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402


def main():
    zeek = hstest.shared_dir("conformance", "zeek")
    if not zeek:
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    failures = []

    smtp = ts.capture(os.path.join(zeek, "smtp.pcap"))
    for two in (False, True):
        rows = ts.fields(smtp, ["frame.number", "icmp.type", "hs.step", "hs.label"], two).split("\n")[1:]
        icmp = [r.split("\t") for r in rows if r and r.split("\t")[1]]
        if len(icmp) != 4:
            failures.append(f"smtp.pcap: {len(icmp)} ICMP packets, expected 4")
        for f in icmp:
            if f[2] or f[3]:
                failures.append(f"smtp.pcap{' -2' if two else ''}: ICMP frame {f[0]} got step {f[2]} {f[3]}")

    http = ts.capture(os.path.join(zeek, "http__get.pcap"))
    for two in (False, True):
        rows = ts.fields(http, ["hs.step", "hs.label"], two, ["-Y", "hs.step >= 4"]).split("\n")[1:]
        got = [r.split("\t")[1] for r in rows if r]
        if got != ["FIN(X)", "FIN+ACK(Y,X+1)", "ACK(Y+1)"]:
            failures.append(f"http__get.pcap{' -2' if two else ''}: close labels {got}")
        steps = [r.split("\t")[0] for r in rows if r]
        if steps != ["4", "5,6", "7"]:
            failures.append(f"http__get.pcap{' -2' if two else ''}: close steps {steps}")
    return hstest.report("shared checks", failures)


if __name__ == "__main__":
    sys.exit(main())
