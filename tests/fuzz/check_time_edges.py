#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The seed trace moved to the edges of the plugin's time range must say
exactly what the seed says (tshark -2, per packet: step, label, attempt,
conn_state, anomalies).  tests/fuzz/regress/ holds the seed shifted with
`editcap -F pcapng -t SECONDS`:
- near-wrap.pcapng: first packet 3.2 s before 2^63 ns since the epoch
  (2262-04-11 23:47:13 UTC), where the engine's timers overflow;
- big-time.pcapng: in 2308, past 2^63 ns, where abs_ts.secs * 10^9 itself
  overflows in packet-hs.c (a UBSan report with -DHS_SANITIZE=ON and the
  runtimes preloaded, as .ci/robustness.sh does).

usage: check_time_edges.py BUILD_DIR
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import hstest  # noqa: E402

FIELDS = ["frame.number", "hs.step", "hs.label", "hs.attempt", "hs.conn_state", "hs.anomaly"]
CAPTURES = ["near-wrap.pcapng", "big-time.pcapng"]


def main():
    ts = hstest.Tshark(sys.argv[1])
    seed = ts.fields(ts.capture(os.path.join(hstest.SOURCE_DIR, "captures", "seed-handshake.pcap")),
                     FIELDS, two_pass=True).rstrip("\n").split("\n")
    failed = 0
    for name in CAPTURES:
        try:
            got = ts.fields(ts.capture(os.path.join(HERE, "regress", name)), FIELDS,
                            two_pass=True).rstrip("\n").split("\n")
        except RuntimeError as e:
            print(f"FAIL: {name}: {e}")
            failed += 1
            continue
        if got != seed:
            hstest.diff(seed, got, f"{name} vs the seed")
            failed += 1
        else:
            print(f"{name}: ok")
    print(f"time edges: {'ok' if not failed else f'{failed} failures'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
