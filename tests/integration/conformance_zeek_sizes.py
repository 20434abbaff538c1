#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Duration, bytes and packets of `tshark -z hs,conn` against Zeek's own conn.log.

tests/integration/zeek_conn_sizes.tsv holds, for the traces in
../shared/conformance/zeek, the values Zeek's baselines give beyond
conn_state and history (duration, orig/resp_bytes, missed_bytes,
orig/resp_pkts, orig/resp_ip_bytes).  Each row is paired with the plugin's
row of the same 4-tuple (either direction) in time order, in Zeek's
orientation, and every value must agree, or be one of the differences
listed below and explained in docs/conn-log.md.  An explained difference
that no longer differs fails too, so that the list stays true.
missed_bytes is counted apart: the plugin leaves it unset (it does not
reassemble).  Skips (exit 77) where ../shared is absent.

usage: conformance_zeek_sizes.py BUILD_DIR
"""
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zeek_conn_sizes.tsv")
COLUMNS = ["duration", "orig_bytes", "resp_bytes", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"]
SWAP = {"orig_bytes": "resp_bytes", "resp_bytes": "orig_bytes", "orig_pkts": "resp_pkts",
        "resp_pkts": "orig_pkts", "orig_ip_bytes": "resp_ip_bytes", "resp_ip_bytes": "orig_ip_bytes"}
# (trace, orig_p, column): why the plugin's value differs (docs/conn-log.md).
FLIP = "Zeek's baseline predates its fix of per-direction counts across a role flip (docs/conn-log.md)"
EXPLAINED = {
    ("tcp__http-on-irc-port-missing-syn.pcapng", "6669", "orig_ip_bytes"): FLIP,
    ("tcp__http-on-irc-port-missing-syn.pcapng", "6669", "resp_ip_bytes"): FLIP,
}


def zeek_rows():
    rows, header = [], None
    with open(TABLE) as f:
        for line in f:
            if line.startswith("#"):
                continue
            cells = line.rstrip("\n").split("\t")
            if header is None:
                header = cells
            else:
                rows.append(dict(zip(header, cells)))
    return rows


def key(r, prefix=""):
    return tuple(sorted([(r[prefix + "orig_h"], r[prefix + "orig_p"]), (r[prefix + "resp_h"], r[prefix + "resp_p"])]))


def plugin_rows(ts, pcap):
    log = hstest.ConnLog(ts.run(["-q", "-o", "teredo.heuristic_teredo:TRUE", "-r", ts.capture(pcap),
                                 "-z", "hs,conn"]))
    mine = defaultdict(list)
    for r in log.rows:
        mine[key(r, "id.")].append(r)
    return mine


def main():
    zeek = hstest.shared_dir("conformance", "zeek")
    if not zeek:
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    failures, compared, agreed, explained, missed = [], 0, 0, [], defaultdict(int)
    by_trace = defaultdict(list)
    for row in zeek_rows():
        by_trace[row["trace"]].append(row)
    for trace, rows in by_trace.items():
        mine = plugin_rows(ts, os.path.join(zeek, trace))
        for z in rows:
            queue = mine.get(key(z), [])
            ours = queue.pop(0) if queue else None
            where = f"{trace} {z['orig_h']}:{z['orig_p']} > {z['resp_h']}:{z['resp_p']}"
            if not ours:
                failures.append(f"{where}: no row")
                continue
            flipped = (ours["id.orig_h"], ours["id.orig_p"]) != (z["orig_h"], z["orig_p"])
            if flipped:
                failures.append(f"{where}: the plugin's row has the other originator")
            missed["zero" if z["missed_bytes"] == "0" else "non-zero" if z["missed_bytes"] != "?" else "?"] += 1
            for col in COLUMNS:
                if z[col] == "?":
                    continue
                compared += 1
                got = ours[SWAP.get(col, col) if flipped else col]
                why = EXPLAINED.get((trace, z["orig_p"], col))
                if got == z[col] and not why:
                    agreed += 1
                elif got != z[col] and why:
                    explained.append(f"{where} {col}: zeek {z[col]}, plugin {got}: {why}")
                elif why:
                    failures.append(f"{where} {col}: agrees now ({got}); drop it from EXPLAINED and the docs")
                else:
                    failures.append(f"{where} {col}: zeek {z[col]}, plugin {got}")
    for e in explained:
        print("EXPLAINED:", e)
    print(f"duration, bytes, packets: {compared} values compared, {agreed} agree, "
          f"{len(explained)} explained differences, {len(failures)} failures")
    print(f"missed_bytes (unset by the plugin): Zeek gives 0 on {missed['zero']} rows, "
          f"more on {missed['non-zero']}")
    return hstest.report("Zeek sizes", failures)


if __name__ == "__main__":
    sys.exit(main())
