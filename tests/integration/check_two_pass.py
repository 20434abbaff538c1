#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -2 and the two_pass preference (the tree-free first pass).

The plugin reads TCP from the tcp tap, which tshark -2's first pass does not
run.  Checked here, on the seed and on a capture with several connections:

  * without the preference, -2 says so once on stderr (naming the option)
    and shows the values as of each packet: exactly the single-pass output,
    with no hs.conn.last and no verdict that needs the future;
  * with -o hs.two_pass:TRUE, -2 shows final values (hs.conn.last, the
    final conn_state on the first packet) and says nothing;
  * a read filter (-R) on an hs field works in the first pass only with
    the preference;
  * single-pass tshark never warns (it runs taps), and does not need the
    preference: the same output with or without it.

usage: check_two_pass.py BUILD_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

WARNING = "Handshake: tshark -2 runs its first pass without taps"
FIELDS = hstest.GOLDEN_FIELDS + ["hs.conn.last", "hs.rtt.handshake"]


def fields(ts, cap, pre):
    args = list(pre) + ["-r", cap, "-T", "fields", "-E", "header=y", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    out = ts.run(args, allow_stderr=WARNING, two_pass_pref=False)
    return hstest.normalize_bools(out, FIELDS), ts.stderr


def column(tsv, name):
    return hstest.columns(tsv, [name])[1:]


def check(ts, cap, failures):
    name = os.path.basename(cap)
    one, err1 = fields(ts, cap, [])
    blind, err2 = fields(ts, cap, ["-2"])
    final, err3 = fields(ts, cap, ["-2", "-o", "hs.two_pass:TRUE"])
    one_pref, err4 = fields(ts, cap, ["-o", "hs.two_pass:TRUE"])

    if err2.count(WARNING) != 1 or "-o hs.two_pass:TRUE" not in err2:
        failures.append(f"{name}: -2 without the preference: expected one warning naming "
                        f"-o hs.two_pass:TRUE on stderr, got {err2!r}")
    for what, err in (("single pass", err1), ("-2 with the preference", err3),
                      ("single pass with the preference", err4)):
        if WARNING in err:
            failures.append(f"{name}: {what} warned: {err!r}")
    if blind != one:
        hstest.diff(one.split("\n"), blind.split("\n"), f"{name}: single pass vs -2 without the preference")
        failures.append(f"{name}: -2 without the preference is not the single-pass output")
    if one_pref != one:
        hstest.diff(one.split("\n"), one_pref.split("\n"), f"{name}: single pass, preference off vs on")
        failures.append(f"{name}: the preference changed single-pass output")
    if any(column(blind, "hs.conn.last")) or any(column(one, "hs.conn.last")):
        failures.append(f"{name}: hs.conn.last without final values")
    last = [c for c in column(final, "hs.conn.last") if c]
    if not last:
        failures.append(f"{name}: -2 with the preference: no hs.conn.last")
    states = column(final, "hs.conn_state")
    if states[0] != states[-1] and len(last) == 1:
        failures.append(f"{name}: -2 with the preference: first packet's conn_state {states[0]} "
                        f"is not the final {states[-1]}")
    if column(final, "hs.step") != column(one, "hs.step"):
        failures.append(f"{name}: steps differ between -2 with the preference and single pass")


def check_read_filter(ts, cap, failures):
    args = ["-2", "-R", "hs.step==1", "-r", cap, "-T", "fields", "-e", "frame.number"]
    without = ts.run(args, allow_stderr=WARNING, two_pass_pref=False).split()
    if without or WARNING not in ts.stderr:
        failures.append(f"-2 -R hs.step==1 without the preference: expected no rows and the warning, "
                        f"got {without} and {ts.stderr!r}")
    with_pref = ts.run(["-o", "hs.two_pass:TRUE"] + args, two_pass_pref=False).split()
    if with_pref != ["1"]:
        failures.append(f"-2 -R hs.step==1 with the preference: expected frame 1, got {with_pref}")


def main():
    ts = hstest.Tshark(sys.argv[1])
    caps = [ts.capture(os.path.join(hstest.SOURCE_DIR, "captures", p))
            for p in ("seed-handshake.pcap", "synthetic/port-reuse.pcap", "real/syn-unanswered.pcap")]
    failures = []
    for cap in caps:
        check(ts, cap, failures)
    check_read_filter(ts, caps[0], failures)
    return hstest.report("two-pass", failures)


if __name__ == "__main__":
    sys.exit(main())
