#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""valgrind memcheck over tshark -V and tshark -2 -V with the (normal, unsanitized) plugin.

tshark runs through tests/integration/hstest.py as usual (an ordinary user,
the plugin staged); a `tshark` wrapper put first on its PATH runs the real
one under `valgrind --leak-check=full --errors-for-leak-kinds=definite`,
logging to a file per run.  tshark and glib leak by design, so only what
concerns the plugin counts: a definite leak, or any memcheck error (invalid
read/write, use of uninitialised values, bad free...), whose stack has a
frame in hs.so or in one of the plugin's sources.  The others are counted
and reported, never failed.

Captures: the seed, the synthetic captures concatenated into one file, the
real ones concatenated into another (one valgrind run each), or the files
given.

usage: valgrind_check.py BUILD_DIR [--jobs N] [--show-all] [CAPTURE...]
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import hstest  # noqa: E402

PLUGIN_FRAMES = re.compile(r"\b(hs\.so|packet-hs\.c|engine\.c|labels\.c|zeek\.c|hs_reports\.c|hs_conn_log\.c|"
                           r"tcp_input\.c|tuple_ids\.c|plugin\.c)\b")
HELPER_ENV = {k: v for k, v in os.environ.items()
              if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")}
# --keep-debuginfo: tshark unloads its plugins before the leak check, and
# without it every frame in hs.so is an anonymous "???", which the filter
# below would never count as the plugin's.
VALGRIND = ["valgrind", "--tool=memcheck", "--keep-debuginfo=yes", "--leak-check=full",
            "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite", "--num-callers=50", "--track-origins=yes"]


RUNS_PER_CAPTURE = 3               # -V, -2 -V, -q -z hs,conn (see one() in main)


def records(log):
    """The error and leak records of a valgrind log, each a list of lines
    without the ==PID== prefix."""
    out, cur = [], []
    with open(log, errors="replace") as f:
        for line in f:
            text = re.sub(r"^==\d+== ?", "", line.rstrip("\n"))
            if text.strip():
                cur.append(text)
            elif cur:
                out.append(cur)
                cur = []
    if cur:
        out.append(cur)
    return out


def classify(rec):
    """'leak', 'error' or None (headers, summaries)."""
    head = rec[0]
    if re.search(r"definitely lost in loss record", head):
        return "leak"
    if re.search(r"(lost|reachable) in loss record", head):
        return None
    if any(l.lstrip().startswith(("at 0x", "by 0x")) for l in rec[1:]) and \
            not head.startswith(("HEAP SUMMARY", "LEAK SUMMARY", "Memcheck", "Copyright", "Using", "Command")):
        return "error"
    return None


def concatenated(ts, name, paths):
    """One world-readable capture holding the given ones, one after another."""
    dest = os.path.join(ts.captures, name)
    subprocess.run(["mergecap", "-a", "-w", dest] + paths, check=True, capture_output=True, env=HELPER_ENV)
    os.chmod(dest, 0o644)
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("captures", nargs="*")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--show-all", action="store_true", help="also print the records outside the plugin")
    a = ap.parse_args()
    if not shutil.which("valgrind"):
        print("valgrind_check: valgrind is not installed")
        return 1

    ts = hstest.Tshark(a.build)
    for var in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        ts.env.pop(var, None)      # valgrind and the sanitizer runtimes do not mix
    ts.env["G_SLICE"] = "always-malloc"
    logs = os.path.join(ts.stage, "valgrind")
    os.mkdir(logs)
    os.chmod(logs, 0o1777)
    bindir = os.path.join(ts.stage, "vgbin")
    os.mkdir(bindir)
    os.chmod(bindir, 0o755)
    real = shutil.which("tshark")
    wrapper = os.path.join(bindir, "tshark")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\n"
                f"exec {' '.join(VALGRIND)} --log-file={logs}/vg.$$.log {real} \"$@\"\n")
    os.chmod(wrapper, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    ts.env["PATH"] = bindir + ":" + ts.env["PATH"]

    caps = [ts.capture(c) for c in a.captures]
    if not caps:
        src = os.path.join(hstest.SOURCE_DIR, "captures")
        caps.append(ts.capture(os.path.join(src, "seed-handshake.pcap")))
        for sub in ("synthetic", "real"):
            files = sorted(glob.glob(os.path.join(src, sub, "*.pcap")))
            if files:
                caps.append(concatenated(ts, f"all-{sub}.pcapng", files))

    t0 = time.time()
    failures = []

    def one(cap):
        # Single pass reads the tcp tap; -2 (with the two_pass preference)
        # reads tree fields on its first pass.
        for passes in ([], ["-2"]):
            try:
                out = ts.run(passes + ["-V", "-r", cap])
            except RuntimeError as e:
                return cap, str(e)
            if "Handshake" not in out:
                return cap, f"tshark {' '.join(passes)} -V: the plugin did not run (no Handshake tree)"
        # The connection log, with and without a filter (its listeners are
        # freed by Wireshark at exit, one by one).
        try:
            out = ts.run(["-q", "-r", cap, "-z", "hs,conn", "-z", "hs,conn,hs.attempt==1"])
        except RuntimeError as e:
            return cap, str(e)
        if out.count("#path\tconn") != 2:
            return cap, "tshark -z hs,conn: no connection log"
        return cap, None

    # Each run logs to vg.<pid>.log; valgrind writes tshark's command line
    # at the top, which says which capture it read.
    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as pool:
        results = list(pool.map(one, caps))
    by_cap = {}                    # every run of a capture has a log of its own
    for log in sorted(glob.glob(os.path.join(logs, "vg.*.log"))):
        with open(log, errors="replace") as f:
            head = f.read(4096)
        for cap in caps:
            if cap in head:
                by_cap.setdefault(cap, []).append(log)
    ours = {"leak": 0, "error": 0}
    theirs = {"leak": 0, "error": 0}
    anonymous = 0
    for cap, err in results:
        name = os.path.basename(cap)
        if err:
            failures.append(f"{name}: tshark under valgrind failed: {err.splitlines()[0]}")
        cap_logs = by_cap.get(cap, [])
        if len(cap_logs) != RUNS_PER_CAPTURE:
            failures.append(f"{name}: {len(cap_logs)} valgrind logs for {RUNS_PER_CAPTURE} runs")
            continue
        n_ours = {"leak": 0, "error": 0}
        for rec in (rec for log in cap_logs for rec in records(log)):
            kind = classify(rec)
            if not kind:
                continue
            mine = any(PLUGIN_FRAMES.search(l) for l in rec)
            # A frame of no known object: code unloaded without its symbols.
            if not mine and any(re.search(r"(at|by) 0x[0-9A-F]+: \?\?\?$", l.strip()) for l in rec):
                anonymous += 1
            (ours if mine else theirs)[kind] += 1
            if mine:
                n_ours[kind] += 1
                failures.append(f"{name}: {kind} in the plugin:\n  " + "\n  ".join(rec))
            elif a.show_all:
                print(f"{name}: {kind} outside the plugin:\n  " + "\n  ".join(rec))
        summaries = [next((l for rec in records(log) for l in rec if l.startswith("ERROR SUMMARY")), "no summary")
                     for log in cap_logs]
        print(f"valgrind: {name}: plugin {n_ours['leak']} definite leaks, {n_ours['error']} errors "
              f"(whole tshark, per run: {'; '.join(summaries)})")
    for f in failures:
        print("FAIL:", f)
    print(f"valgrind_check: {RUNS_PER_CAPTURE * len(caps)} runs, plugin: {ours['leak']} definite leaks, {ours['error']} errors; "
          f"tshark/glib's own: {theirs['leak']} definite leaks, {theirs['error']} errors"
          f"{f' ({anonymous} with frames in unloaded code)' if anonymous else ''}; "
          f"{time.time() - t0:.0f} s; {'ok' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
