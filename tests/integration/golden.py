#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Golden test: tshark -2 -T fields output of the plugin on one capture, with
option negotiation analysed (-o hs.negotiation:TRUE: every value read from
tree fields), must equal the checked-in expected file, and single-pass
tshark with default preferences (every value read from the tcp tap, no
tree) must give the same steps, labels and per-packet states
(connection-wide fields may differ: they are values-so-far in single pass).

usage: golden.py BUILD_DIR CAPTURE EXPECTED [--update]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402


def main():
    args = [a for a in sys.argv[1:] if a != "--update"]
    update = "--update" in sys.argv or os.environ.get("HS_UPDATE_GOLDEN") == "1"
    build, capture, expected_path = args
    ts = hstest.Tshark(build)
    # Where what Wireshark's own dissectors decode differs between versions
    # (a quoted TCP header cut inside its options: 4.0 drops it), the
    # capture has an expected file of that version's own: NAME.X.Y.tsv.
    m = re.search(r"TShark \(Wireshark\) (\d+\.\d+)", ts.run(["--version"]))
    own = expected_path[:-len(".tsv")] + f".{m.group(1)}.tsv" if m else ""
    if own and os.path.exists(own):
        expected_path = own
    cap = ts.capture(capture)
    two = ts.fields(cap, hstest.GOLDEN_FIELDS, two_pass=True, extra=["-o", "hs.negotiation:TRUE"])
    one = ts.fields(cap, hstest.GOLDEN_FIELDS)
    if update:
        with open(expected_path, "w") as f:
            f.write(two)
        print(f"updated {expected_path}")
        return 0
    with open(expected_path) as f:
        expected = f.read()
    ok = True
    if two != expected:
        hstest.diff(expected.rstrip("\n").split("\n"), two.rstrip("\n").split("\n"),
                    f"tshark -2 on {capture} vs {expected_path}")
        ok = False
    a, b = hstest.columns(two, hstest.STEP_FIELDS), hstest.columns(one, hstest.STEP_FIELDS)
    if a != b:
        hstest.diff(a, b, f"single pass vs two pass steps on {capture}")
        ok = False
    lines = two.count("\n") - 1
    print(f"{os.path.basename(capture)}: {lines} packets, {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
