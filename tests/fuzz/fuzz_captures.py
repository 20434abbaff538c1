#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Corrupted-capture fuzzing, like Wireshark's tools/fuzz-test.sh: every
capture is damaged with `editcap -E PROB --seed SEED` (fixed seeds, so any
failure replays) and read twice with the plugin loaded, `tshark -V -z hs,conn -r`
(the first pass reads the tcp tap; the connection log is drawn at the end) and
`tshark -2 -V -r` with the two_pass
preference (the first pass reads tree fields)
(through tests/integration/hstest.py: as an ordinary user, from a staged
world-readable copy).  Build the plugin with -DHS_SANITIZE=ON and preload
the sanitizer runtimes (see .ci/robustness.sh) to catch memory errors.

A run fails on a non-zero exit, a crash, a sanitizer report, or a dissector
bug (WIRESHARK_ABORT_ON_DISSECTOR_BUG is set, as fuzz-test.sh does, and
"Dissector bug"/"Malformed Packet: Handshake" are looked for in the output
too).  A failing file is then read again without the plugin: if tshark fails
the same way on its own, the run counts as a Wireshark problem (reported,
not failed; --strict fails it too).  Failing fuzzed files are kept in
--keep (default BUILD_DIR/fuzz-failures).

Captures: the files under the given folders (default: the repository's
captures/ and ../shared when present) whose first bytes are a pcap or pcapng
magic number, each content once.  Captures longer than --max-packets are cut
to their first packets before fuzzing (part of the recipe: replays agree).

usage: fuzz_captures.py BUILD_DIR [options] [CAPTURE_OR_DIR...]
       fuzz_captures.py BUILD_DIR --replay CAPTURE SEED
"""
import argparse
import concurrent.futures
import copy
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, HERE)
import hstest  # noqa: E402
from captures import find_captures  # noqa: E402


class _LenientSubprocess:
    """hstest.Tshark.run decodes tshark's output strictly, and tshark -V on a
    damaged capture can print bytes that are not UTF-8 (without the plugin
    too): the decoding error would hide the exit code and stderr.  Give
    hstest a subprocess.run that replaces such bytes instead."""
    def __getattr__(self, name):
        return getattr(subprocess, name)

    @staticmethod
    def run(*args, **kwargs):
        if kwargs.get("text") or kwargs.get("universal_newlines"):
            kwargs.setdefault("errors", "replace")
        return subprocess.run(*args, **kwargs)


hstest.subprocess = _LenientSubprocess()

OUTPUT_MARKERS = ("Dissector bug", "Malformed Packet: Handshake")
SANITIZER_ENV = ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
# editcap and capinfos run without the sanitizer runtimes: with libasan
# preloaded they hang at exit (libp11-kit's destructor deadlocks on glibc's
# locale lock).  Only tshark gets them, through hstest.Tshark.
HELPER_ENV = {k: v for k, v in os.environ.items() if k not in SANITIZER_ENV}


def helper(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, env=HELPER_ENV, timeout=300, check=True)


def packet_count(path):
    try:
        p = helper(["capinfos", "-M", "-c", "-r", "-T", path])
    except subprocess.SubprocessError:
        return -1
    try:
        return int(p.stdout.strip().split("\t")[-1])
    except (ValueError, IndexError):
        return -1


class Fuzzer:
    def __init__(self, build, prob, max_packets, keep, strict):
        self.ts = hstest.Tshark(build)
        # As Wireshark's fuzz-test.sh: a dissector bug aborts, and glib's
        # slice allocator does not hide heap errors from the sanitizers.
        self.ts.env["WIRESHARK_ABORT_ON_DISSECTOR_BUG"] = "1"
        self.ts.env["WIRESHARK_ABORT_ON_TOO_MANY_ITEMS"] = "1"
        self.ts.env["G_SLICE"] = "always-malloc"
        no_plugin = os.path.join(self.ts.stage, "no-plugins")
        os.mkdir(no_plugin)
        os.chmod(no_plugin, 0o755)
        self.bare = copy.copy(self.ts)          # the same tshark without the plugin
        self.bare.env = dict(self.ts.env, WIRESHARK_PLUGIN_DIR=no_plugin)
        self.bare.with_plugin = False
        self.work = self.ts.captures
        self.prob, self.max_packets, self.keep, self.strict = prob, max_packets, keep, strict
        self.sources = {}
        self.lock = threading.Lock()

    def source(self, cap):
        """The capture to fuzz: cut to max_packets, world-readable."""
        with self.lock:
            if cap in self.sources:
                return self.sources[cap]
            dest = os.path.join(self.work, f"src{len(self.sources)}-{os.path.basename(cap)}")
            n = packet_count(cap)
            if self.max_packets and n > self.max_packets:
                helper(["editcap", "-r", cap, dest, f"1-{self.max_packets}"])
            else:
                shutil.copyfile(cap, dest)
            os.chmod(dest, 0o644)
            self.sources[cap] = dest
            return dest

    def fuzzed(self, cap, seed):
        src = self.source(cap)
        dest = os.path.join(self.work, f"fuzz-{seed}-{os.path.basename(src)}")
        helper(["editcap", "-E", str(self.prob), "--seed", str(seed), src, dest])
        os.chmod(dest, 0o644)
        return dest

    def tshark(self, path, plugin=True):
        """None if the run is clean, else what went wrong."""
        for passes in ([], ["-2"]):
            # The single pass also draws the connection log at the end.
            report = ["-z", "hs,conn"] if plugin and not passes else []
            try:
                out = (self.ts if plugin else self.bare).run(passes + ["-V"] + report + ["-r", path])
            except RuntimeError as e:
                return str(e)
            except UnicodeDecodeError as e:
                return f"output is not UTF-8: {e}"
            for line in out.splitlines():
                if any(m in line for m in OUTPUT_MARKERS):
                    return f"tshark {' '.join(passes + ['-V'])}: {line.strip()}"
        return None

    def one(self, cap, seed):
        """(status, message): status ok, fail or wireshark."""
        path = self.fuzzed(cap, seed)
        err = self.tshark(path)
        if err is None:
            os.unlink(path)
            return "ok", ""
        os.makedirs(self.keep, exist_ok=True)
        kept = os.path.join(self.keep, f"{os.path.basename(cap)}.seed{seed}")
        shutil.copyfile(path, kept)
        base = self.tshark(path, plugin=False)
        os.unlink(path)
        if base is not None and not self.strict:
            return "wireshark", f"{err}\n(tshark fails without the plugin too: {base.splitlines()[0]})\nkept: {kept}"
        return "fail", f"{err}\nkept: {kept}"


def tail(text, n=60):
    lines = text.splitlines()
    return "\n".join(lines[:n] + ([f"... ({len(lines) - n} more lines)"] if len(lines) > n else []))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("roots", nargs="*")
    ap.add_argument("--replay", nargs=2, metavar=("CAPTURE", "SEED"))
    ap.add_argument("--seeds", default="1", help="comma-separated editcap seeds, each on every capture (default 1)")
    ap.add_argument("--min-runs", type=int, default=150,
                    help="then more seeds on some captures up to this many runs (default 150)")
    ap.add_argument("--prob", type=float, default=0.02, help="editcap -E probability (0.02)")
    ap.add_argument("--max-packets", type=int, default=2000,
                    help="cut longer captures to their first N packets (2000; 0: never)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", help="where failing fuzzed files go (BUILD/fuzz-failures)")
    ap.add_argument("--strict", action="store_true", help="fail even where tshark fails without the plugin")
    a = ap.parse_intermixed_args()
    keep = a.keep or os.path.join(os.path.abspath(a.build), "fuzz-failures")
    fz = Fuzzer(a.build, a.prob, a.max_packets, keep, a.strict)

    if a.replay:
        cap, seed = a.replay[0], int(a.replay[1])
        status, msg = fz.one(cap, seed)
        print(f"{cap} seed {seed}: {status}")
        if msg:
            print(msg)
        return 0 if status == "ok" else 1

    roots = a.roots or [os.path.join(hstest.SOURCE_DIR, "captures")] + \
        ([hstest.SHARED_DIR] if os.path.isdir(hstest.SHARED_DIR) else [])
    caps = find_captures(roots)
    if not caps:
        print("fuzz_captures: no capture found")
        return 1
    seeds = [int(s) for s in a.seeds.split(",") if s] or [1]
    jobs = [(c, s) for s in seeds for c in caps]
    # Fewer runs than --min-runs: more seeds, on captures spread evenly
    # over the list (a fixed choice, so the runs are the same every time).
    extra = max(seeds) + 1
    while len(jobs) < a.min_runs:
        need = min(a.min_runs - len(jobs), len(caps))
        jobs += [(caps[i * len(caps) // need], extra) for i in range(need)]
        seeds.append(extra)
        extra += 1
    t0 = time.time()
    counts = {"ok": 0, "fail": 0, "wireshark": 0}
    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as pool:
        futures = {pool.submit(fz.one, c, s): (c, s) for c, s in jobs}
        for f in concurrent.futures.as_completed(futures):
            c, s = futures[f]
            try:
                status, msg = f.result()
            except Exception as e:  # editcap failed, etc.
                status, msg = "fail", f"{type(e).__name__}: {e}"
            counts[status] += 1
            if status != "ok":
                label = "FAIL" if status == "fail" else "WIRESHARK (not the plugin)"
                print(f"{label}: {c} seed {s}\n  replay: {sys.argv[0]} {a.build} --replay {c} {s}\n"
                      f"{tail(msg)}", flush=True)
    dt = time.time() - t0
    per_seed = ", ".join(f"{s}" if n == len(caps) else f"{s} on {n}"
                         for s, n in ((s, sum(1 for _, js in jobs if js == s)) for s in seeds))
    print(f"fuzz_captures: {len(jobs)} runs on {len(caps)} captures, seeds {per_seed}, "
          f"editcap -E {a.prob}: {counts['ok']} clean, {counts['fail']} failed, "
          f"{counts['wireshark']} Wireshark's own, {dt:.0f} s")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
