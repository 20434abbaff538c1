#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare the lifecycles of real captures with captures/real/lifecycles.txt.

Usage: check_lifecycles.py [--expected FILE] [--update] DIR [NAME...]

Recomputes `summarize.py --lengths` for DIR/NAME.pcap (every DIR/*.pcap when
no NAME is given) and compares it, capture by capture, with the lines of
FILE (default: DIR/lifecycles.txt).  What must match, packet by packet and
connection by connection: the direction (C>S or S>C), the TCP flags and the
payload length; hence also the number of connections, the number of packets
in each step and their order.  ISNs, ports (fixed by the recorder anyway),
timestamps, TCP options and times are not compared.

Without NAME, a capture missing from FILE and a FILE entry without its
capture are differences too.  Prints a unified diff for each difference and
exits 1; exits 0 when everything matches, 77 (ctest's skip code) when tshark
is missing.

--update rewrites FILE from the captures instead (only NAME's lines when
names are given).  record.sh --check uses this script on fresh recordings.
"""

import argparse
import concurrent.futures
import difflib
import glob
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summarize  # noqa: E402

HEADER = """\
# Lifecycles of the real captures in this folder, one line per TCP connection:
# tests/recorder/summarize.py --lengths (direction, flags and payload length of
# every packet; see README.md).  Checked by ctest (recorder.lifecycles) against
# the captures and by `record.sh --check` against fresh recordings.
# Regenerate: tests/recorder/check_lifecycles.py captures/real --update
"""
SKIP = 77


def capture_of(line):
    """The capture file name a summary line is about."""
    for sep in (" stream ", ": "):
        if sep in line:
            return line.split(sep, 1)[0]
    return line


def read_expected(path):
    by_cap = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            by_cap.setdefault(capture_of(line), []).append(line)
    return by_cap


def write_expected(path, by_cap):
    """Write the lines under the file's own leading comment (HEADER for a
    new file or one without a comment)."""
    header = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    break
                header += line
    with open(path, "w", encoding="utf-8") as f:
        f.write(header or HEADER)
        for cap in sorted(by_cap):
            for line in by_cap[cap]:
                f.write(line + "\n")


def tokens(line):
    """(connection label, [packet tokens]) of a summary line."""
    head, _, body = line.partition(": ")
    label = head.split(" ", 1)[1] if " " in head else head
    return label, body.split(", ") if body else []


def explain(want, got):
    """Packet by packet: where two summaries of one capture differ."""
    out = []
    if len(want) != len(got):
        out.append("%d connection(s) expected, %d found" % (len(want), len(got)))
    for i in range(min(len(want), len(got))):
        (label, a), (_, b) = tokens(want[i]), tokens(got[i])
        if a == b:
            continue
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            def span(lo, hi):
                return "packet %d" % (lo + 1) if hi - lo == 1 else "packets %d-%d" % (lo + 1, hi)
            exp, act = ", ".join(a[i1:i2]), ", ".join(b[j1:j2])
            if op == "insert":
                out.append("%s, %s: not expected: %s" % (label, span(j1, j2), act))
            elif op == "delete":
                out.append("%s, %s: missing: %s" % (label, span(i1, i2), exp))
            else:
                out.append("%s, %s: expected %s, got %s" % (label, span(j1, j2), exp, act))
    if out:
        out.append("(packet N: the Nth packet of that connection in the capture checked;"
                   " for a missing one, in the expected line)")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--expected", help="lifecycles file (default: DIR/lifecycles.txt)")
    ap.add_argument("--update", action="store_true", help="rewrite the lifecycles file")
    ap.add_argument("dir")
    ap.add_argument("names", nargs="*", metavar="NAME")
    args = ap.parse_args()

    if not shutil.which("tshark"):
        print("tshark not found: skipped")
        return SKIP
    expected_path = args.expected or os.path.join(args.dir, "lifecycles.txt")
    if args.names:
        caps = [os.path.join(args.dir, n + ".pcap") for n in args.names]
    else:
        caps = sorted(glob.glob(os.path.join(args.dir, "*.pcap")))
    if not caps:
        print("no captures in %s" % args.dir)
        return 1

    actual = {}
    errors = 0
    present = []
    for cap in caps:
        if os.path.exists(cap):
            present.append(cap)
        else:
            print("MISSING: %s" % cap)
            errors += 1
    # One tshark per capture, a few at a time.
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        jobs = {cap: pool.submit(summarize.summarize, cap, True) for cap in present}
        for cap in present:
            try:
                actual[os.path.basename(cap)] = jobs[cap].result()
            except (OSError, subprocess.CalledProcessError) as e:
                print("ERROR: %s: %s" % (cap, e))
                errors += 1

    expected = read_expected(expected_path) if os.path.exists(expected_path) else {}
    if args.update:
        if errors:
            return 1
        if not args.names:
            expected = {}
        expected.update(actual)
        write_expected(expected_path, expected)
        print("updated %s (%d captures)" % (expected_path, len(expected)))
        return 0
    if not os.path.exists(expected_path):
        print("no %s (create it with --update)" % expected_path)
        return 1

    different = []
    for name in sorted(actual):
        want = expected.get(name)
        if want is None:
            print("NOT IN %s: %s" % (os.path.basename(expected_path), name))
            different.append(name)
            continue
        if want != actual[name]:
            different.append(name)
            print("DIFFERENT: %s" % name)
            for line in difflib.unified_diff(want, actual[name], "expected (%s)" % expected_path,
                                             "actual (%s)" % os.path.join(args.dir, name),
                                             lineterm=""):
                print("  " + line)
            for line in explain(want, actual[name]):
                print("  " + line)
    if not args.names:
        for name in sorted(set(expected) - set(actual)):
            print("NO CAPTURE for the %s entry: %s" % (os.path.basename(expected_path), name))
            different.append(name)
    same = len(actual) - len([n for n in different if n in actual])
    print("%d capture(s) compared: %d same, %d different%s" % (
        len(actual), same, len(different), ", %d error(s)" % errors if errors else ""))
    return 1 if different or errors else 0


if __name__ == "__main__":
    sys.exit(main())
