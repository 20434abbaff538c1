#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Conformance with Zeek's conn.log on ../shared/conformance/zeek.

For each trace and each row of its .conn.tsv (Zeek's verdict per
connection), find the plugin's connection of the same 4-tuple (either
direction) in time order -- one row per attempt from
`tshark -2 -Y hs.conn.last` -- and compare conn_state and history.  Prints
every mismatch and the agreement figures; fails below 95% conn_state or 80%
history agreement.  Rows whose value Zeek's baseline does not state ('-',
'?') are not compared.  Skips (exit 77) where ../shared is absent.

usage: conformance_zeek.py BUILD_DIR
"""
import glob
import os
import re
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

MIN_STATE, MIN_HISTORY = 0.95, 0.80


def endpoint(text):
    """'1.2.3.4:80' or '[2001:db8::1]:80' -> ('1.2.3.4', '80')"""
    m = re.fullmatch(r"\[?([^\]]+?)\]?:(\d+)", text)
    return (m.group(1), m.group(2)) if m else (text, "")


def oracle_rows(tsv):
    rows = []
    with open(tsv) as f:
        for line in f:
            if line.startswith("#") or line.startswith("orig_h"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 6:
                continue
            state = c[4].split()[0] if c[4].strip() else "-"
            hist = c[5].strip()
            rows.append({"orig": (c[0], c[1]), "resp": (c[2], c[3]),
                         "state": None if "?" in state or state == "-" else state,
                         "history": None if not hist or hist == "-" or "?" in hist else hist})
    return rows


def plugin_conns(ts, pcap):
    cap = ts.capture(pcap)
    # Zeek finds Teredo by itself; Wireshark needs its heuristic switched on.
    out = ts.run(["-2", "-o", "teredo.heuristic_teredo:TRUE", "-r", cap, "-Y", "hs.conn.last", "-T", "fields", "-E", "occurrence=f",
                  "-e", "hs.initiator", "-e", "hs.responder", "-e", "hs.conn_state", "-e", "hs.history"])
    conns = []
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[0]:
            conns.append({"orig": endpoint(f[0]), "resp": endpoint(f[1]), "state": f[2], "history": f[3]})
    return conns


def key(a, b):
    return tuple(sorted([a, b]))


def main():
    zeek = hstest.shared_dir("conformance", "zeek")
    if not zeek:
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    tally = {"state": [0, 0], "history": [0, 0]}   # [compared, agreeing]
    for tsv in sorted(glob.glob(os.path.join(zeek, "*.conn.tsv"))):
        pcap = tsv[: -len(".conn.tsv")]
        name = os.path.basename(pcap)
        mine = defaultdict(list)
        for c in plugin_conns(ts, pcap):
            mine[key(c["orig"], c["resp"])].append(c)
        for row in oracle_rows(tsv):
            queue = mine.get(key(row["orig"], row["resp"]), [])
            got = queue.pop(0) if queue else None
            where = f"{name} {row['orig'][0]}:{row['orig'][1]} > {row['resp'][0]}:{row['resp'][1]}"
            for field, counts in (("state", tally["state"]), ("history", tally["history"])):
                if not row[field]:
                    continue
                counts[0] += 1
                if got and got[field] == row[field]:
                    counts[1] += 1
                else:
                    print(f"{'conn_state' if field == 'state' else field:10} MISMATCH {where}: zeek {row[field]}, plugin {got[field] if got else 'no connection'}")
    (n_state, ok_state), (n_hist, ok_hist) = tally["state"], tally["history"]
    ps, ph = ok_state / max(n_state, 1), ok_hist / max(n_hist, 1)
    print(f"conn_state agreement: {ok_state}/{n_state} = {ps:.1%} (minimum {MIN_STATE:.0%})")
    print(f"history agreement:    {ok_hist}/{n_hist} = {ph:.1%} (minimum {MIN_HISTORY:.0%})")
    return 0 if ps >= MIN_STATE and ph >= MIN_HISTORY else 1


if __name__ == "__main__":
    sys.exit(main())
