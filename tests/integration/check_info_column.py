#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The step label in the Info column, and its preference hs.info_column.

The label leads the Info column by default (start), fenced as TCP's own
"[TCP Retransmission] " is, so that a dissector running after the plugin
cannot clear it; `end` appends it, `off` leaves the column alone.  The
preference was a boolean: an old "TRUE"/"FALSE" still means start/off, from
-o and from a preferences file.

Checked on captures with TCP options, a retransmitted SYN+ACK (TCP's own
fenced prefix), a refusal and data on the SYN; and with a Lua post-dissector
(registered after the plugin, so it runs after it) that rewrites the column:
the label at the start survives it, the label at the end does not.

usage: check_info_column.py BUILD_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

CAPTURES = ["seed-handshake.pcap", "real/normal-4way.pcap", "real/synack-retrans.pcap",
            "real/tfo.pcap", "synthetic/refused.pcap"]
RETRANS = " (retransmission)"
REWRITE_LUA = """\
local p = Proto("hsrewrite", "Info column rewriter (Handshake test)")
function p.dissector(tvb, pinfo, tree)
    pinfo.cols.info:set("REWRITTEN")
end
register_postdissector(p)
"""


# Two columns, tab-separated (-T tabs): hs.label, then Info as the summary
# line shows it (the Info field is _ws.col.Info up to 4.0, _ws.col.info later).
COLUMNS = ["-T", "tabs", "-o", 'gui.column.format:"Label","%Cus:hs.label","Info","%i"']


def rows(ts, cap, opts=()):
    """(label as the Info column shows it, Info) for every packet."""
    out = ts.run(["-r", cap] + COLUMNS + list(opts))
    result = []
    for line in out.rstrip("\n").split("\n"):
        label, info = line.split("\t", 1)
        result.append((label[:-len(RETRANS)] if label.endswith(RETRANS) else label, info))
    return result


def check_place(ts, caps, where, opts, failures):
    """Every label is where `where` says; returns how many were checked."""
    n = 0
    for cap in caps:
        for i, (label, info) in enumerate(rows(ts, cap, opts), 1):
            if not label:
                continue
            n += 1
            ok = {"start": info.startswith(label + " "),
                  "end": info.endswith(" " + label),
                  "off": label not in info}[where]
            if not ok:
                failures.append(f"{' '.join(opts) or 'default'}: {os.path.basename(cap)} frame {i}: "
                                f"label {label!r} not at the {where}: {info!r}")
    return n


def with_preferences(ts, text):
    """Write the preferences file of the staged HOME (Wireshark's default profile)."""
    conf = os.path.join(ts.stage, ".config", "wireshark")
    os.makedirs(conf, exist_ok=True)
    for d in (os.path.join(ts.stage, ".config"), conf):
        os.chmod(d, 0o755)
    path = os.path.join(conf, "preferences")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


def main():
    ts = hstest.Tshark(sys.argv[1])
    caps = [ts.capture(os.path.join(hstest.SOURCE_DIR, "captures", c)) for c in CAPTURES]
    failures = []

    n = check_place(ts, caps, "start", [], failures)
    if n < 30:
        failures.append(f"only {n} labelled packets in {CAPTURES}")
    for value, where in (("start", "start"), ("end", "end"), ("off", "off"),
                         ("Start", "start"), ("End", "end"), ("Off", "off"),
                         ("TRUE", "start"), ("FALSE", "off")):
        check_place(ts, caps, where, ["-o", f"hs.info_column:{value}"], failures)

    # The plain summary line carries it too.
    seed = ts.run(["-r", caps[0], "-c", "3"])
    for label in ("SYN(x)", "SYN+ACK(y,x+1)", "ACK(y+1)"):
        if not re.search(r" TCP \d+ " + re.escape(label) + r" \d+ → ", seed):
            failures.append(f"summary lines do not lead Info with {label}:\n{seed}")

    # A preferences file from the boolean days, and one Wireshark writes now.
    for text, where in (("hs.info_column: FALSE\n", "off"), ("hs.info_column: TRUE\n", "start"),
                        ("hs.info_column: End\n", "end"), ("hs.info_column: Off\n", "off")):
        prefs = with_preferences(ts, text)
        found = []
        check_place(ts, caps[:1], where, [], found)
        failures += [f"preferences file {text.strip()!r}: {f}" for f in found]
        os.remove(prefs)
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        print("note: tshark -G hangs at exit with the ASan runtime preloaded: defaultprefs not checked")
    else:
        defaults = ts.run(["-G", "defaultprefs"])
        if not re.search(r"Start, End, Off\n(#.*\n)*#hs\.info_column: Start\n", defaults):
            failures.append("tshark -G defaultprefs does not offer hs.info_column: Start, End, Off")

    # A dissector after the plugin rewrites the column (Lua post-dissectors
    # are registered after the C plugins, so they run after them).
    if re.search(r"with\s+Lua|\+Lua", ts.run(["-v"])):
        lua = os.path.join(ts.stage, "rewrite.lua")
        with open(lua, "w") as f:
            f.write(REWRITE_LUA)
        os.chmod(lua, 0o644)
        for where, expect in (("start", "SYN(x) REWRITTEN"), ("end", "REWRITTEN")):
            info = rows(ts, caps[0], ["-o", f"hs.info_column:{where}", "-X", f"lua_script:{lua}"])[0][1]
            if info != expect:
                failures.append(f"after a Lua post-dissector set the column, {where}: {info!r}, expected {expect!r}")
    else:
        print("note: this tshark has no Lua: the rewrite check is skipped")
    print(f"{n} labelled packets checked in each placement")
    return hstest.report("the step label in the Info column", failures)


if __name__ == "__main__":
    sys.exit(main())
