#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`tshark -G plugins` lists hs.so (hs.dll on Windows) as a dissector plugin (4.4+ read its
plugin_describe(); without it the type would be "unknown"), and the hs
protocol with its fields is registered.

usage: check_plugin_listed.py BUILD_DIR
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402


def main():
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        # tshark -G with the ASan runtime preloaded hangs at exit (a p11-kit
        # lock, as editcap does), and a sanitized hs.so cannot load without
        # it.  Registration is checked by the plain runs on every version;
        # every other test loads the sanitized plugin.
        print("SKIP: tshark -G hangs at exit with the ASan runtime preloaded")
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    failures = []
    # hs.so, or hs.dll for a Windows tshark (tests/windows/run.sh)
    module = " ".join(os.path.basename(p) for p in glob.glob(os.path.join(sys.argv[1], "plugins", "*", "epan", "hs.*")))
    rows = [line.split("\t") for line in ts.run(["-G", "plugins"]).splitlines()]
    hs = [r for r in rows if r and r[0].strip() == module]
    if len(hs) != 1:
        failures.append(f"tshark -G plugins lists {module} {len(hs)} times")
    elif len(hs[0]) < 3 or hs[0][2].strip() != "dissector":
        failures.append(f"{module} listed as {hs[0][2:3]}, expected dissector")
    else:
        print("tshark -G plugins:", "\t".join(c.strip() for c in hs[0]))
    protocols = [line.split("\t") for line in ts.run(["-G", "protocols"]).splitlines()]
    if not any(len(p) > 2 and p[2] == "hs" for p in protocols):
        failures.append("protocol hs is not registered")
    fields = {line.split("\t")[2] for line in ts.run(["-G", "fields"]).splitlines()
              if line.startswith("F\t") and "\ths." in line}
    for name in ("hs.step", "hs.label", "hs.seq", "hs.ack", "hs.conn_state", "hs.history",
                 "hs.attempt", "hs.close.initiator", "hs.rtt.handshake", "hs.conn.last"):
        if name not in fields:
            failures.append(f"field {name} is not registered")
    return hstest.report("plugin registration", failures)


if __name__ == "__main__":
    sys.exit(main())
