#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every hs. field is filterable, and a filter on it matches exactly the
packets that carry it.

For each field tshark registers under hs. (tshark -G fields), `-Y FIELD`
must match the frames where `-T fields -e FIELD` prints a value; for each
anomaly's expert item, the frames whose hs.anomaly names it.  The plugin
builds subtrees in a filter's fake tree only when one of their fields is
asked for; this is what keeps those lists honest.  Run on captures that
between them carry every field, with -2 and option negotiation on; each
field is checked on the first capture that carries it.

usage: check_filters.py BUILD_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

CAPTURES = ["real/rst-oracle.pcap", "real/simultaneous-close.pcap", "real/tfo.pcap", "real/synack-new-isn.pcap",
            "synthetic/control-segments.pcap", "synthetic/negotiation.pcap", "synthetic/port-reuse.pcap"]
PASSES = ["-2", "-o", "hs.negotiation:TRUE"]


def frames(ts, cap, args):
    out = ts.run(PASSES + ["-r", cap] + args)
    return out.split("\n")


def main():
    ts = hstest.Tshark(sys.argv[1])
    registered = [line.split("\t") for line in ts.run(["-G", "fields"]).splitlines()
                  if line.startswith("F\t") and line.split("\t")[2].startswith("hs.")]
    values = [f[2] for f in registered if f[3] != "FT_NONE"]
    experts = [f[2] for f in registered if f[3] == "FT_NONE" and f[2] not in ("hs.open", "hs.close")]
    failures, checked = [], set()
    for rel in CAPTURES:
        cap = ts.capture(os.path.join(hstest.SOURCE_DIR, "captures", rel))
        table = frames(ts, cap, ["-T", "fields", "-E", "occurrence=a", "-e", "frame.number", "-e", "hs.anomaly"] +
                       [a for f in values for a in ("-e", f)])
        rows = [line.split("\t") for line in table if line]
        # (field, the frames that carry it, what says so)
        carried = [(f, [r[0] for r in rows if r[k + 2]], "the field is on") for k, f in enumerate(values)]
        carried += [(f, [r[0] for r in rows if f[3:] in r[1].split(",")], "hs.anomaly names it on")
                    for f in experts]
        for field, want, why in carried:
            if not want or field in checked:
                continue
            got = [x for x in frames(ts, cap, ["-Y", field, "-T", "fields", "-e", "frame.number"]) if x]
            checked.add(field)
            if got != want:
                failures.append(f"{rel}: -Y {field} matched {got}, {why} {want}")
    print(f"{len(checked)} of {len(values) + len(experts)} fields and expert items checked as filters")
    missing = sorted(set(values) - checked)
    if missing:
        print(f"(not carried by these captures: {', '.join(missing)})")
    return hstest.report("filters", failures)


if __name__ == "__main__":
    sys.exit(main())
