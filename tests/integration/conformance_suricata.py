#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suricata's traces (../shared/conformance/suricata, from suricata-verify):
for each, what the plugin must say given what the trace's test.yaml checks.
docs/suricata.md lists the same, with every difference from Suricata.
Skipped, saying so, where ../shared is absent.

usage: conformance_suricata.py BUILD_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

# Anomalies no ordinary connection may raise.
BROKEN = {"revived", "rst.out_of_window", "syn.in_connection", "data.before_established", "synack.bad_ack",
          "ack.bad_ack", "bad_flags"}

# trace prefix -> (anomalies required, anomalies forbidden, labels required, hs.opt.tfo values required)
EXPECT = {
    "alert-no-3whs-established": ({"no_handshake"}, set(), set(), set()),
    "alert-testmyids-midstream": ({"no_handshake"}, BROKEN, set(), set()),
    "bug-3286-02-linux-evasion": ({"refused", "revived"}, set(), {"FIN(ignored)"}, set()),
    "bug-3286-03-windows-evasion": ({"refused", "revived"}, set(), {"FIN(ignored)"}, set()),
    "bug-6244-tcp-rst-with-data": ({"rst.data"}, {"revived", "rst.out_of_window"}, set(), set()),
    "bug-6733-syn-packet-flow-output": ({"syn.unanswered"}, set(), {"SYN(x)"}, set()),
    "bug-7264-tcp-3whs-ack-data-tls-01": (set(), {"data.before_established", "ack.bad_ack"}, {"ACK(y+1)"}, set()),
    "http-range-multiflows": (set(), BROKEN, set(), set()),
    "ips-state-1": (set(), BROKEN, set(), set()),
    "issue-3341-tcphdr-01": ({"bad_flags"}, set(), set(), set()),
    "tcp-async-01": ({"syn.missing"}, set(), set(), set()),
    "tcp-fastopen-03": ({"syn.data"}, set(), set(), {"data accepted"}),
    "tcp-fastopen-05": ({"syn.data"}, BROKEN, set(), {"data accepted"}),
    "tcp-fastopen-07": ({"syn.data"}, BROKEN, set(), {"data accepted"}),
    "tcp-fastopen-10-syn-data-ignore": ({"syn.data"}, set(), set(), {"data ignored"}),
    "tcp-fastopen-11-reject-syn-data": ({"syn.data"}, {"revived", "data.before_established"}, set(), {"data ignored"}),
    "tcp-fastopen-13": ({"syn.data"}, BROKEN, set(), {"data accepted"}),
    "tcp-split-handshake-01-4whs": ({"simultaneous_open"}, {"revived"}, {"SYN(y)", "ACK(x+1)"}, set()),
    "tcp-split-handshake-02-5whs": ({"simultaneous_open"}, {"revived"}, {"SYN(y)", "ACK(x+1)"}, set()),
}


def main():
    folder = hstest.shared_dir("conformance", "suricata")
    if not folder:
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    failures, seen = [], set()
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".pcap"):
            continue
        key = name.split("__")[0]
        if key not in EXPECT:
            failures.append(f"{name}: no expectation written down (add it here and to docs/suricata.md)")
            continue
        seen.add(key)
        need, forbid, labels, tfo = EXPECT[key]
        out = ts.fields(ts.capture(os.path.join(folder, name)), ["hs.anomaly", "hs.label", "hs.opt.tfo"], True)
        rows = [line.split("\t") for line in out.rstrip("\n").split("\n")[1:]]
        got = {a for r in rows for a in r[0].split(",") if a}
        got_labels = {r[1] for r in rows if len(r) > 1 and r[1]}
        got_tfo = {v for r in rows if len(r) > 2 for v in r[2].split(",") if v}
        problems = ([f"missing {sorted(need - got)}"] if need - got else []) + \
                   ([f"unexpected {sorted(got & forbid)}"] if got & forbid else []) + \
                   ([f"labels missing {sorted(labels - got_labels)}"] if labels - got_labels else []) + \
                   ([f"hs.opt.tfo {sorted(got_tfo)}, expected {sorted(tfo)}"] if tfo and got_tfo != tfo else [])
        print(f"{key}: {', '.join(sorted(got)) or '(no anomaly)'}{'; ' + '; '.join(problems) if problems else ''}")
        failures += [f"{key}: {p}" for p in problems]
    failures += [f"{k}: trace absent from {folder}" for k in sorted(set(EXPECT) - seen)]
    return hstest.report("suricata conformance", failures)


if __name__ == "__main__":
    sys.exit(main())
