#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Chat expert info of normal steps reaches everyone who can see it.

packet-hs.c skips a step's Chat item when nobody can see it (no Handshake
tree item, no Expert Info listener, no Expert column), because in summary
mode it costs a third of the plugin's time.  Each way of seeing it must
still get it, on the seed capture (3 opening steps, 4 close steps):
`-z expert`, an Expert column, a filter on the item itself, and a filter
on Wireshark's own expert fields.  The anomalies too: a filter on
Wireshark's expert fields alone must see every expert item of every frame
that the full tree (-V) shows, on captures with anomalies.

usage: check_expert_chat.py BUILD_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402


def main():
    ts = hstest.Tshark(sys.argv[1])
    seed = ts.capture(os.path.join(hstest.SOURCE_DIR, "captures", "seed-handshake.pcap"))
    failures = []

    # Expert Info listener (the GUI dialog, tshark -z expert).
    out = ts.run(["-r", seed, "-q", "-z", "expert"])
    for summary, count in (("Opening handshake step", 3), ("Close step", 4)):
        m = re.search(r"^\s+(\d+)\s+Sequence\s+Handshake\s+" + re.escape(summary) + r"\s*$", out, re.M)
        if not m or int(m.group(1)) != count:
            failures.append(f"-z expert: {summary!r} {m.group(1) if m else 0} times, expected {count}")

    # An Expert column: ACK(y+1) (frame 3) has no TCP expert info, only ours.
    out = ts.run(["-r", seed, "-c", "3", "-o", 'gui.column.format:"No.","%m","Expert","%a"'])
    rows = [line.split() for line in out.splitlines()]
    if [r[1] if len(r) > 1 else "" for r in rows] != ["Chat"] * 3:
        failures.append(f"Expert column of frames 1-3: {rows}, expected Chat on each")

    # The expert fields in a tree built for a filter on them.
    out = ts.run(["-r", seed, "-Y", "hs.close", "-T", "fields", "-e", "frame.number"])
    if len(out.split()) != 4:
        failures.append(f"-Y hs.close matched frames {out.split()}, expected the 4 close steps")
    # ... and on Wireshark's own expert fields.
    out = ts.run(["-r", seed, "-Y", '_ws.expert.message == "Opening handshake step"', "-T", "fields",
                  "-e", "frame.number"])
    if out.split() != ["1", "2", "3"]:
        failures.append(f"-Y _ws.expert.message matched frames {out.split()}, expected the 3 opening steps")

    # Every expert item of the full tree, seen by a filter on _ws.expert alone.
    for rel in ("real/rst-oracle.pcap", "synthetic/control-segments.pcap"):
        cap = ts.capture(os.path.join(hstest.SOURCE_DIR, "captures", rel))
        shown, frame = {}, None
        for line in ts.run(["-r", cap, "-V"]).splitlines():
            m = re.match(r"Frame (\d+):", line)
            frame = m.group(1) if m else frame
            if re.match(r"\s*\[Expert Info \(", line):
                shown[frame] = shown.get(frame, 0) + 1
        seen = {}
        for line in ts.run(["-r", cap, "-Y", "_ws.expert", "-T", "fields", "-E", "occurrence=a",
                            "-E", "aggregator=\x01", "-e", "frame.number", "-e", "_ws.expert.message"]).splitlines():
            number, messages = line.split("\t")
            seen[number] = len(messages.split("\x01"))
        if seen != shown:
            wrong = sorted((set(seen.items()) ^ set(shown.items())), key=lambda x: int(x[0]))[:6]
            failures.append(f"{rel}: -Y _ws.expert sees expert items per frame unlike -V: {wrong}")
    return hstest.report("Chat expert info where it can be seen", failures)


if __name__ == "__main__":
    sys.exit(main())
