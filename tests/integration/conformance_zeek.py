#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Conformance with Zeek's conn.log on ../shared/conformance/zeek.

For each trace and each row of its .conn.tsv (Zeek's verdict per
connection), find the plugin's connection of the same 4-tuple (either
direction) in time order and compare conn_state and history.  The plugin's
connections come from three places, each compared on its own:
  - `tshark -2 -Y hs.conn.last` (one packet per attempt, its final fields);
  - tools/hs-conn-log -f zeek over the whole folder (tshark -z hs,conn);
  - tools/hs-conn-log -f json, the same as Zeek's JSON lines.
The two logs must also have one row per connection (as many rows per trace
as hs.conn.last marks attempts) and Zeek's header.  Prints every mismatch
and the agreement figures; fails below 95% conn_state or 80% history
agreement for any of them.  Rows whose value Zeek's baseline does not state
('-', '?') are not compared.  Skips (exit 77) where ../shared is absent.

usage: conformance_zeek.py BUILD_DIR
"""
import glob
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

MIN_STATE, MIN_HISTORY = 0.95, 0.80


endpoint = hstest.endpoint
# Zeek finds Teredo by itself; Wireshark needs its heuristic switched on.
TEREDO = "teredo.heuristic_teredo:TRUE"


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
    out = ts.run(["-2", "-o", TEREDO, "-r", cap, "-Y", "hs.conn.last", "-T", "fields", "-E", "occurrence=f",
                  "-e", "hs.initiator", "-e", "hs.responder", "-e", "hs.conn_state", "-e", "hs.history"])
    conns = []
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[0]:
            conns.append({"orig": endpoint(f[0]), "resp": endpoint(f[1]), "state": f[2], "history": f[3]})
    return conns


def log_conns(rows):
    """Connections by trace from hs-conn-log rows (dicts by field name)."""
    by_trace = defaultdict(list)
    for r in rows:
        by_trace[os.path.basename(r["hs.capture"])].append(
            {"orig": (r["id.orig_h"], str(r["id.orig_p"])), "resp": (r["id.resp_h"], str(r["id.resp_p"])),
             "state": r["conn_state"], "history": r.get("history", "-")})
    return by_trace


def tool_conns(ts, zeek, failures):
    """hs-conn-log over a copy of the folder, in both formats: connections by trace."""
    folder = ts.share(shutil.copytree(zeek, os.path.join(ts.stage, "zeek")))
    tshark = ts.wrapper()
    logs = {}
    for fmt in ("zeek", "json"):
        out = os.path.join(ts.stage, f"conn.{fmt}")
        p = subprocess.run([sys.executable, hstest.HS_CONN_LOG, "--tshark", tshark, "--pref", TEREDO,
                            "-f", fmt, "-o", out, folder], capture_output=True, text=True, timeout=900)
        if p.returncode != 0:
            failures.append(f"hs-conn-log -f {fmt}: exit {p.returncode}: {p.stderr}")
            continue
        with open(out) as f:
            text = f.read()
        if fmt == "zeek":
            log = hstest.ConnLog(text)
            if log.meta[:5] != ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
                                "#unset_field\t-", "#path\tconn"] or log.fields[:2] != ["ts", "uid"]:
                failures.append(f"hs-conn-log -f zeek: not Zeek's header: {log.meta[:6]}")
            logs["hs-conn-log -f zeek"] = log_conns(log.rows)
        else:
            logs["hs-conn-log -f json"] = log_conns(json.loads(line) for line in text.splitlines())
    return logs


def key(a, b):
    return tuple(sorted([a, b]))


def compare(name, tsv, conns, tally):
    """Zeek's rows of one trace against the plugin's connections."""
    mine = defaultdict(list)
    for c in conns:
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


def main():
    zeek = hstest.shared_dir("conformance", "zeek")
    if not zeek:
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    failures = []
    traces = sorted(glob.glob(os.path.join(zeek, "*.conn.tsv")))
    sources = {"tshark -2 -Y hs.conn.last": {os.path.basename(t[: -len(".conn.tsv")]):
                                             plugin_conns(ts, t[: -len(".conn.tsv")]) for t in traces}}
    sources.update(tool_conns(ts, zeek, failures))
    reference = sources["tshark -2 -Y hs.conn.last"]
    for source, by_trace in sources.items():
        print(f"== {source}")
        tally = {"state": [0, 0], "history": [0, 0]}   # [compared, agreeing]
        for tsv in traces:
            name = os.path.basename(tsv[: -len(".conn.tsv")])
            if len(by_trace.get(name, [])) != len(reference[name]):
                failures.append(f"{source}: {len(by_trace.get(name, []))} rows for {name}, "
                                f"{len(reference[name])} connections")
            compare(name, tsv, by_trace.get(name, []), tally)
        (n_state, ok_state), (n_hist, ok_hist) = tally["state"], tally["history"]
        ps, ph = ok_state / max(n_state, 1), ok_hist / max(n_hist, 1)
        print(f"conn_state agreement: {ok_state}/{n_state} = {ps:.1%} (minimum {MIN_STATE:.0%})")
        print(f"history agreement:    {ok_hist}/{n_hist} = {ph:.1%} (minimum {MIN_HISTORY:.0%})")
        if ps < MIN_STATE or ph < MIN_HISTORY:
            failures.append(f"{source}: below the minimum agreement")
    return hstest.report("Zeek conformance", failures)


if __name__ == "__main__":
    sys.exit(main())
