#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""docs/anomalies.md must list exactly the expert items the plugin registers,
each with its registered severity.

Registered names come from the real tshark (`-G fields`: an expert item is a
field of type FT_NONE); severities from the plugin's expert table
(plugin/epan/packet-hs.c, names in plugin/engine/labels.c), which is what registers them.

usage: check_anomalies_doc.py BUILD_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

DOC = os.path.join(hstest.SOURCE_DIR, "docs", "anomalies.md")
PLUGIN = os.path.join(hstest.SOURCE_DIR, "plugin")
ENGINE, GLUE = os.path.join(PLUGIN, "engine"), os.path.join(PLUGIN, "epan")
SEVERITY = {"PI_CHAT": "Chat", "PI_NOTE": "Note", "PI_WARN": "Warn", "PI_ERROR": "Error"}


def documented():
    rows = {}
    for line in open(DOC):
        m = re.match(r"\| `(hs\.[a-z0-9_.]+)` \| (\w+) \|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def source_severities():
    names = dict(re.findall(r'\[(HS_AN_\w+)\]\s*=\s*"(hs\.[^"]+)"', open(os.path.join(ENGINE, "labels.c")).read()))
    glue = open(os.path.join(GLUE, "packet-hs.c")).read()
    sev = {names[a]: SEVERITY[s] for a, s in re.findall(r"HS_EI\((HS_AN_\w+),\s*PI_\w+,\s*(PI_\w+)", glue)}
    sev.update({n: SEVERITY[s] for n, s in re.findall(r'\{ &ei_\w+,\s*\{ "(hs\.[^"]+)",\s*PI_\w+,\s*(PI_\w+)', glue)})
    return sev


def main():
    ts = hstest.Tshark(sys.argv[1])
    registered = {f.split("\t")[2] for f in ts.run(["-G", "fields"]).splitlines()
                  if f.startswith("F\t") and f.split("\t")[2].startswith("hs.") and f.split("\t")[3] == "FT_NONE"}
    doc, sev = documented(), source_severities()
    failures = []
    for name in sorted(registered - set(doc)):
        failures.append(f"{name} is registered but not in docs/anomalies.md")
    for name in sorted(set(doc) - registered):
        failures.append(f"{name} is in docs/anomalies.md but not registered")
    if set(sev) != registered:
        failures.append(f"the expert table in the source and tshark disagree: {sorted(set(sev) ^ registered)}")
    for name in sorted(set(doc) & set(sev)):
        if doc[name] != sev[name]:
            failures.append(f"{name}: docs/anomalies.md says {doc[name]}, the plugin registers {sev[name]}")
    print(f"{len(registered)} expert items registered, {len(doc)} documented")
    return hstest.report("anomalies table", failures)


if __name__ == "__main__":
    sys.exit(main())
