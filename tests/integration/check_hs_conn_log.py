#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tools/hs-conn-log: Zeek's ASCII and JSON logs from many captures.

Runs the tool (with the real tshark and the freshly built plugin, through a
wrapper) on a folder of captures the project made, plus a text file, a cut
capture, a missing one and an unreadable one, and checks: Zeek's header and
the rows of every good capture, in the order given and as `-z hs,conn`
prints them; the broken ones named with tshark's reason and a failing exit
status; -j 1 and -j 4 writing the same rows; JSON lines that say what the
ASCII rows say, the way Zeek's JSON writer says it; progress on stderr; no
file at all when interrupted or when nothing could be read; a clear word
when tshark has no Handshake plugin.

usage: check_hs_conn_log.py BUILD_DIR
"""
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

GOOD = ["seed-handshake.pcap", "synthetic/refused.pcap", "synthetic/port-reuse.pcap", "real/ipv6.pcap",
        "real/syn-unanswered.pcap", "synthetic/midstream.pcap"]
WHEN = r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d"


def tool_module():
    loader = importlib.machinery.SourceFileLoader("hs_conn_log", hstest.HS_CONN_LOG)
    spec = importlib.util.spec_from_loader("hs_conn_log", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class Setup:
    def __init__(self, build):
        self.ts = hstest.Tshark(build)
        self.tshark = self.ts.wrapper()
        self.folder = os.path.join(self.ts.stage, "caps")
        for i, name in enumerate(GOOD):      # sorted by path = the order above
            dest = os.path.join(self.folder, f"{i}-{os.path.basename(name)}")
            os.makedirs(self.folder, exist_ok=True)
            shutil.copyfile(os.path.join(hstest.SOURCE_DIR, "captures", name), dest)
        self.ts.share(self.folder)
        self.good = sorted(os.path.join(self.folder, f) for f in os.listdir(self.folder))
        broken = os.path.join(self.ts.stage, "broken")
        os.mkdir(broken)
        self.text = os.path.join(broken, "notes.pcap")
        with open(self.text, "w") as f:
            f.write("not a capture\n")
        self.cut = os.path.join(broken, "cut.pcap")
        with open(os.path.join(hstest.SOURCE_DIR, "captures", "real", "normal-4way.pcap"), "rb") as f:
            data = f.read()
        with open(self.cut, "wb") as f:
            f.write(data[:len(data) - 7])     # the last packet cut short
        self.missing = os.path.join(broken, "missing.pcap")
        self.ts.share(broken)
        self.locked = os.path.join(broken, "locked.pcap")
        shutil.copyfile(self.good[0], self.locked)
        os.chmod(self.locked, 0o600 if os.geteuid() == 0 else 0o000)   # tshark runs as nobody under root
        self.out = os.path.join(self.ts.stage, "out")
        os.mkdir(self.out)

    def run(self, *args, tshark=None):
        cmd = [sys.executable, hstest.HS_CONN_LOG, "--tshark", tshark or self.tshark] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600)

    def report_lines(self, capture):
        return hstest.ConnLog(self.ts.run(["-q", "-r", capture, "-z", "hs,conn"])).lines


def zeek_log(s, failures):
    """The folder and the broken captures, -j 1 and -j 4, as Zeek ASCII."""
    # Each capture's own log, in the order given, and the capture it came from.
    expected = [line + "\t" + cap for cap in s.good for line in s.report_lines(cap)]
    logs = {}
    for jobs in ("1", "4"):
        out = os.path.join(s.out, f"j{jobs}.log")
        p = s.run("-j", jobs, "-o", out, s.text, s.folder, s.cut, s.missing, s.locked)
        if p.returncode != 1:
            failures.append(f"-j {jobs} with broken captures: exit {p.returncode}, expected 1\n{p.stderr}")
        for cap, why in ((s.text, "isn't a capture file"), (s.cut, "cut short"), (s.missing, "doesn't exist"),
                         (s.locked, "permission")):
            if not re.search(rf"{re.escape(cap)}: tshark: .*{why}", p.stderr):
                failures.append(f"-j {jobs}: {os.path.basename(cap)} not named with tshark's reason ({why})")
        if not re.search(rf"{len(s.good) + 4}/{len(s.good) + 4} captures, {len(expected)} connections, 4 failed",
                         p.stderr):
            failures.append(f"-j {jobs}: no final progress line in {p.stderr!r}")
        if not os.path.exists(out):
            failures.append(f"-j {jobs}: no {out}")
            continue
        with open(out) as f:
            logs[jobs] = text = f.read()
        log = hstest.ConnLog(text)
        if log.lines != expected:
            hstest.diff(expected, log.lines, f"-j {jobs} rows vs -z hs,conn per capture")
            failures.append(f"-j {jobs}: rows differ from the captures' own logs, in order")
        head = text.split("\n")[:8]
        if log.fields[-1:] != ["hs.capture"] or log.types[-1:] != ["string"]:
            failures.append(f"-j {jobs}: no hs.capture column last")
        want = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn"]
        if head[:5] != want or not re.fullmatch("#open\t" + WHEN, head[5]) \
                or not head[6].startswith("#fields\tts\tuid\tid.orig_h") or not head[7].startswith("#types\ttime"):
            failures.append(f"-j {jobs}: header {head}")
        if not re.fullmatch("#close\t" + WHEN, text.rstrip("\n").split("\n")[-1]):
            failures.append(f"-j {jobs}: last line is not #close")
    if len(logs) == 2 and hstest.ConnLog(logs["1"]).stable() != hstest.ConnLog(logs["4"]).stable():
        failures.append("-j 1 and -j 4 wrote different logs")
    leftovers = [f for f in os.listdir(s.out) if f.endswith(".tmp")]
    if leftovers:
        failures.append(f"temporary files left: {leftovers}")
    return hstest.ConnLog(logs.get("1", ""))


def json_log(s, ascii_log, failures):
    """The same captures as Zeek JSON lines: what the ASCII rows say."""
    p = s.run("-f", "json", "-j", "3", s.folder)
    if p.returncode != 0:
        failures.append(f"-f json: exit {p.returncode}: {p.stderr}")
        return
    lines = p.stdout.splitlines()
    if len(lines) != len(ascii_log.rows):
        failures.append(f"-f json: {len(lines)} lines for {len(ascii_log.rows)} rows")
    for line, row, in zip(lines, ascii_log.rows):
        obj = json.loads(line)
        want = [f for f in ascii_log.fields if row[f] != "-"]
        if list(obj) != want:          # Zeek's order; unset fields left out
            failures.append(f"-f json keys {list(obj)}, expected {want}")
            continue
        for field, kind in zip(ascii_log.fields, ascii_log.types):
            if field not in obj:
                continue
            value, text = obj[field], row[field]
            ok = {"time": lambda: isinstance(value, float) and f"{value:.6f}" == text,
                  "interval": lambda: isinstance(value, float) and f"{value:.6f}" == text,
                  "count": lambda: value == int(text) and isinstance(value, int),
                  "port": lambda: value == int(text) and isinstance(value, int),
                  "set[string]": lambda: value == ([] if text == "(empty)" else text.split(","))
                  }.get(kind, lambda: value == text)()
            if not ok:
                failures.append(f"-f json {field}: {value!r} for {text!r}")
    # Zeek's duration is a difference of two doubles (seconds + microseconds / 1e6).
    seed = json.loads(lines[0])
    start, end = 1389802678 + 813323 / 1e6, 1389802712 + 768012 / 1e6
    if seed["duration"] != end - start or '"duration":33.954689025878906,' not in lines[0]:
        failures.append(f"seed duration {seed['duration']!r}, Zeek's double is {end - start!r}")
    if '"ts":1389802678.813323,' not in lines[0] or '"hs.anomalies":[]' not in lines[0]:
        failures.append(f"seed line {lines[0]}")


def number_format(failures):
    """Doubles as rapidjson (Zeek's JSON writer) prints them."""
    tool = tool_module()
    cases = {7.5e-05: "0.000075", 100.0: "100.0", 0.5: "0.5", 1.5e-07: "1.5e-7", 1e21: "1e21",
             123456789012.25: "123456789012.25", 0.0: "0.0", 1e-06: "0.000001", -2.5: "-2.5"}
    for x, want in cases.items():
        if tool.json_double(x) != want:
            failures.append(f"json_double({x!r}) = {tool.json_double(x)!r}, rapidjson prints {want}")


def interrupted(s, failures):
    """Stopped half-way (SIGINT, SIGTERM): no log file, no temporary file."""
    slow = os.path.join(s.ts.stage, "slow-tshark")
    with open(slow, "w") as f:
        f.write(f"#!/bin/sh\nsleep 2\nexec {s.tshark} \"$@\"\n")
    os.chmod(slow, 0o755)
    for sig in (signal.SIGINT, signal.SIGTERM):
        out = os.path.join(s.out, f"stopped-{sig.name}.log")
        p = subprocess.Popen([sys.executable, hstest.HS_CONN_LOG, "--tshark", slow, "-j", "2", "-o", out]
                             + s.good, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3.5)                 # the first captures are done, the rest not
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
        if p.returncode not in (130, 128 + sig):
            failures.append(f"{sig.name}: exit {p.returncode}\n{err}")
        if os.path.exists(out) or any(f.startswith(f".stopped-{sig.name}") for f in os.listdir(s.out)):
            failures.append(f"{sig.name}: a log or temporary file left behind: {os.listdir(s.out)}")


def nothing_readable(s, failures):
    out = os.path.join(s.out, "none.log")
    p = s.run("-o", out, s.text, s.missing)
    if p.returncode != 1 or os.path.exists(out):
        failures.append(f"only broken captures: exit {p.returncode}, file written: {os.path.exists(out)}")


def no_plugin(s, failures):
    empty = os.path.join(s.ts.stage, "no-plugins")
    os.makedirs(empty, exist_ok=True)
    s.ts.share(empty)
    bare = s.ts.wrapper("tshark-without-plugin", plugins=empty)
    out = os.path.join(s.out, "bare.log")
    p = s.run("-o", out, s.folder, tshark=bare)
    if p.returncode != 2 or "Handshake plugin" not in p.stderr or os.path.exists(out):
        failures.append(f"tshark without the plugin: exit {p.returncode}, {p.stderr!r}")


def main():
    s = Setup(sys.argv[1])
    failures = []
    ascii_log = zeek_log(s, failures)
    if ascii_log.rows:
        json_log(s, ascii_log, failures)
    number_format(failures)
    interrupted(s, failures)
    nothing_readable(s, failures)
    no_plugin(s, failures)
    return hstest.report("hs-conn-log", failures)


if __name__ == "__main__":
    sys.exit(main())
