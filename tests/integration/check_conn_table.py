#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/tools/conn_table.py writes one TSV row per connection attempt.

usage: check_conn_table.py BUILD_DIR
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402


def main():
    ts = hstest.Tshark(sys.argv[1])
    caps = os.path.join(ts.stage, "conn-table")
    os.makedirs(caps)
    for name in ("seed-handshake.pcap", "synthetic/refused.pcap", "synthetic/port-reuse.pcap"):
        shutil.copy(os.path.join(hstest.SOURCE_DIR, "captures", name), caps)
    # A tshark wrapper that runs the real one the way the harness does.
    wrapper = os.path.join(ts.stage, "tshark-wrapper")
    with open(wrapper, "w") as f:
        f.write("#!/usr/bin/env python3\nimport sys\nsys.path.insert(0, %r)\nimport hstest\n"
                "t = hstest.Tshark.__new__(hstest.Tshark)\nt.stage = %r\nt.env = %r\n"
                "sys.stdout.write(t.run(sys.argv[1:]))\n" % (os.path.dirname(os.path.abspath(__file__)),
                                                            ts.stage, ts.env))
    os.chmod(wrapper, 0o755)
    for root, dirs, files in os.walk(ts.stage):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o755)
    out = os.path.join(ts.stage, "table.tsv")
    tool = os.path.join(hstest.SOURCE_DIR, "tests", "tools", "conn_table.py")
    p = subprocess.run([sys.executable, tool, "--tshark", wrapper, "-o", out, caps],
                       capture_output=True, text=True)
    failures = [] if p.returncode == 0 else [f"conn_table.py exited {p.returncode}: {p.stderr}"]
    rows = open(out).read().splitlines() if os.path.exists(out) else []
    got = sorted((r.split("\t")[0].rsplit("/", 1)[-1], r.split("\t")[5]) for r in rows[1:])
    want = sorted([("port-reuse.pcap", "SF"), ("port-reuse.pcap", "RSTR"), ("refused.pcap", "REJ"),
                   ("refused.pcap", "REJ"), ("seed-handshake.pcap", "SF")])
    if got != want:
        failures.append(f"rows (capture, conn_state): {got}, expected {want}")
    if "[3/3]" not in p.stderr:
        failures.append("no progress on stderr for several captures")
    return hstest.report("conn table", failures)


if __name__ == "__main__":
    sys.exit(main())
