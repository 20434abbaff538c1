#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Handshake benchmark: tshark with the plugin vs. the same tshark without it.

Not part of ctest.  See README.md in this folder.

    tests/bench/bench.py                  # 10k, 1M, 10M conns + 1M syns, 5 runs
    tests/bench/bench.py --quick          # 10k, 100k conns + 100k syns (CI)
    tests/bench/bench.py --sizes 1M --syns 1M --runs 3 --build /tmp/bench-build
    tests/bench/bench.py --floor --probe --extras-max 1M --verbose-max 1M   # the README's run

For every capture and mode of SPEC section 6 (MODES below: the command with
the plugin and the baseline command without it, output to /dev/null) it
runs, alternating, tshark without the plugin (an empty plugin folder), with
it, with the minimal Lua post-dissector hs_min.lua, and optionally with the
two_pass preference on (--two-pass) and with two benchmark-only plugins
(field_floor.c, tap_probe.c), and reports the ratio of the median wall and
CPU times, the cost per packet, and the peak RSS (from /usr/bin/time -v).  As root, tshark runs as `nobody` (root
Wireshark ignores WIRESHARK_PLUGIN_DIR) from a world-readable staging folder.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
VARIANTS = ("without", "with", "lua")

# SPEC section 6: mode -> (arguments with the plugin, the baseline's without it).
MODES = {
    "summary": ([], []),
    "report": (["-q", "-z", "hs,tree"], ["-q", "-z", "conv,tcp"]),
    "fields": (["-T", "fields", "-e", "frame.number", "-e", "hs.label"],
               ["-T", "fields", "-e", "frame.number", "-e", "tcp.flags"]),
    "filter": (["-Y", "hs.step==1"], ["-Y", "tcp.flags==0x002"]),
    "verbose": (["-V"], ["-V"]),
}
# The Lua post-dissector has no report, field or filter of the same name:
# it runs in the modes where the command is the same.
LUA_MODES = ("summary", "verbose")


def mode_args(mode, variant):
    """tshark's arguments (before -r) for one variant in one mode."""
    with_args, base = MODES[mode]
    if variant == "with":
        return with_args
    if variant == "twopass":
        return ["-o", "hs.two_pass:TRUE"] + with_args
    if variant == "nego":
        return ["-o", "hs.negotiation:TRUE"] + with_args
    return base            # without, lua, and the benchmark-only plugins


def parse_size(s):
    m = re.fullmatch(r"(\d+)([kKmM]?)", s.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r}")
    return int(m.group(1)) * {"": 1, "k": 1000, "K": 1000, "m": 10**6, "M": 10**6}[m.group(2)]


def size_name(n):
    if n % 10**6 == 0:
        return f"{n // 10**6}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


class Stage:
    """World-readable folder with the plugin, an empty plugin folder, the Lua
    script and the captures; tshark runs from here as an ordinary user."""

    def __init__(self, workdir, plugin_so, extra_so=None):
        self.dir = workdir
        os.chmod(self.dir, 0o755)
        self.with_dir = os.path.join(self.dir, "plugins")
        self.without_dir = os.path.join(self.dir, "empty")
        ws_dir = os.path.basename(os.path.dirname(os.path.dirname(plugin_so)))  # e.g. 4.0
        epan = os.path.join(self.with_dir, ws_dir, "epan")
        os.makedirs(epan, exist_ok=True)
        os.makedirs(self.without_dir, exist_ok=True)
        shutil.copyfile(plugin_so, os.path.join(epan, "hs.so"))
        # Each benchmark-only plugin (probe, floor) gets a plugin folder of its own.
        self.plugin_dirs = {"with": self.with_dir, "twopass": self.with_dir, "nego": self.with_dir}
        for name, so in (extra_so or {}).items():
            d = os.path.join(self.dir, "extra-" + name)
            os.makedirs(os.path.join(d, ws_dir, "epan"), exist_ok=True)
            shutil.copyfile(so, os.path.join(d, ws_dir, "epan", os.path.basename(so)))
            self.plugin_dirs[name] = d
        self.lua = os.path.join(self.dir, "hs_min.lua")
        shutil.copyfile(os.path.join(HERE, "hs_min.lua"), self.lua)
        self.captures = os.path.join(self.dir, "captures")
        os.makedirs(self.captures, exist_ok=True)
        self.out = os.path.join(self.dir, "out")
        os.makedirs(self.out, exist_ok=True)
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home, exist_ok=True)
        for root, dirs, files in os.walk(self.dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        os.chmod(self.out, 0o777)
        self.as_nobody = os.geteuid() == 0

    def cmd(self, variant, args, time_file=None, wrapper=()):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "LANG": "C.UTF-8",
               "WIRESHARK_PLUGIN_DIR": self.plugin_dirs.get(variant, self.without_dir)}
        tshark = ["tshark"]
        if variant == "lua":
            tshark += ["-X", f"lua_script:{self.lua}"]
        tshark += list(args)
        tshark = list(wrapper) + tshark
        if time_file:
            tshark = ["/usr/bin/time", "-v", "-o", time_file] + tshark
        cmd = ["env", "-i"] + [f"{k}={v}" for k, v in env.items()] + tshark
        if self.as_nobody:
            cmd = ["runuser", "-u", "nobody", "--"] + cmd
        return cmd

    def run(self, variant, args, stdout=subprocess.DEVNULL):
        """One timed run: (wall seconds, peak RSS kB, user+sys seconds)."""
        tf = os.path.join(self.out, "time.txt")
        if os.path.exists(tf):
            os.unlink(tf)
        t0 = time.perf_counter()
        p = subprocess.run(self.cmd(variant, args, tf), stdout=stdout, stderr=subprocess.PIPE,
                           text=True, cwd=self.dir)
        wall = time.perf_counter() - t0
        bad = [l for l in p.stderr.splitlines()
               if "Dissector bug" in l or "hs.so" in l or "Lua" in l or "rror" in l]
        if p.returncode != 0 or bad:
            raise RuntimeError(f"{variant}: tshark {' '.join(args)} failed ({p.returncode}): "
                               f"{p.stderr.strip()[-2000:]}")
        with open(tf) as f:
            tv = f.read()
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv).group(1))
        user = float(re.search(r"User time \(seconds\): ([\d.]+)", tv).group(1))
        sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", tv).group(1))
        return wall, rss, user + sys_

    def instructions(self, variant, args):
        """Instructions executed (valgrind --tool=callgrind): immune to other load."""
        p = subprocess.run(self.cmd(variant, args, wrapper=["valgrind", "--tool=callgrind",
                                                            "--callgrind-out-file=/dev/null"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=self.dir)
        m = re.search(r"Collected : (\d+)", p.stderr)
        if p.returncode != 0 or not m:
            raise RuntimeError(f"{variant}: valgrind tshark {' '.join(args)} failed: {p.stderr[-2000:]}")
        return int(m.group(1))


def ensure_time():
    if os.path.exists("/usr/bin/time"):
        return
    log("installing GNU time (apt-get install time)")
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    sh(prefix + ["apt-get", "install", "-y", "-q", "time"], stdout=subprocess.DEVNULL)


def build_plugin(args, workdir):
    if args.plugin:
        return os.path.abspath(args.plugin)
    build = args.build
    if not build:
        build = os.path.join(workdir, "build")
        log(f"building the plugin in {build}")
        sh(["cmake", "-S", SOURCE_DIR, "-B", build, "-DHS_BUILD_TESTS=OFF",
            "-DCMAKE_BUILD_TYPE=RelWithDebInfo"], stdout=subprocess.DEVNULL)
        sh(["cmake", "--build", build], stdout=subprocess.DEVNULL)
    found = [os.path.join(r, "hs.so") for r, _, fs in os.walk(os.path.join(build, "plugins")) if "hs.so" in fs]
    if not found:
        sys.exit(f"no hs.so under {build}/plugins")
    return found[0]


EXTRAS = {
    # name: (source, needs the plugin's engine and 4-tuple sources, extra cflags, what it measures)
    "floor": ("field_floor.c", False, [], "a post-dissector asking for the TCP fields hs.two_pass reads and "
              "doing nothing: the cost of the protocol tree tshark then builds"),
    "floornego": ("field_floor.c", False, ["-DFLOOR_OPTIONS"], "the same with the option fields "
                  "hs.negotiation reads too: its floor"),
    "probe": ("tap_probe.c", True, [], "the engine fed by the tcp tap, no tree: the tree-free floor"),
}


def build_extra(workdir, plugin_so, name):
    """A benchmark-only plugin (see EXTRAS and the comment atop its source)."""
    source, with_engine, cflags, _ = EXTRAS[name]
    ws_dir = os.path.basename(os.path.dirname(os.path.dirname(plugin_so)))
    out = os.path.join(workdir, "extra-build", ws_dir, "epan", f"hs{name}.so")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    pc = subprocess.run(["pkg-config", "--cflags", "--libs", "wireshark"], check=True,
                        capture_output=True, text=True).stdout.split()
    engine_dir = os.path.join(SOURCE_DIR, "plugin", "engine")
    # The engine is every .c in its folder (plugin/engine/CMakeLists.txt).
    engine = sorted(glob.glob(os.path.join(engine_dir, "*.c"))) if with_engine else []
    sh(["cc", "-std=c11", "-O2", "-g", "-shared", "-fPIC", "-fvisibility=hidden", "-I", engine_dir] + cflags +
       [os.path.join(HERE, source)] + engine + ["-o", out] + pc)
    return out


def struct_sizes(workdir):
    src = os.path.join(workdir, "sizes.c")
    exe = os.path.join(workdir, "sizes")
    with open(src, "w") as f:
        f.write('#include <stdio.h>\n#include "store.h"\n'
                'int main(void) { printf("%zu %d %zu\\n", sizeof(hs_conn), HS_FRAME_BYTES, '
                'sizeof(hs_segment)); return 0; }\n')
    sh(["cc", "-std=c11", "-O0", "-I", os.path.join(SOURCE_DIR, "plugin", "engine"), "-o", exe, src])
    conn, res, seg = map(int, subprocess.run([exe], check=True, capture_output=True, text=True).stdout.split())
    return {"hs_conn": conn, "frame": res, "hs_segment": seg}


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // (1024 * 1024)
    except OSError:
        mem = 0
    ver = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    try:   # the chroots of .ci/chroot.sh have no git
        rev = subprocess.run(["git", "-C", SOURCE_DIR, "describe", "--always", "--dirty"],
                             capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        rev = os.environ.get("HS_SOURCE_REV", "?")
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": mem, "tshark": ver, "source": rev,
            "kernel": platform.release(), "date": datetime.date.today().isoformat()}


def sanity(stage, cap, lua):
    """The plugin loads with the plugin folder, and only there."""
    out = subprocess.run(stage.cmd("with", ["-r", cap, "-c", "1", "-T", "fields", "-e", "hs.label"]),
                         capture_output=True, text=True, cwd=stage.dir)
    if out.returncode != 0 or "SYN" not in out.stdout:
        sys.exit(f"the plugin did not load: {out.stdout!r} {out.stderr!r}")
    out = subprocess.run(stage.cmd("without", ["-r", cap, "-c", "1", "-T", "fields", "-e", "hs.label"]),
                         capture_output=True, text=True, cwd=stage.dir)
    if out.returncode == 0:
        sys.exit("hs.label known without the plugin: a Handshake plugin is installed elsewhere")
    if not lua:
        return
    out = subprocess.run(stage.cmd("lua", ["-r", cap, "-c", "1", "-T", "fields", "-e", "hs_min.label"]),
                         capture_output=True, text=True, cwd=stage.dir)
    if out.returncode != 0 or "SYN" not in out.stdout:
        sys.exit(f"hs_min.lua did not load (tshark without Lua?): {out.stderr!r}")


def count_packets_streams(stage, cap):
    """Packets and TCP streams of an existing capture."""
    out = subprocess.run(stage.cmd("without", ["-r", cap, "-T", "fields", "-e", "tcp.stream"]),
                         capture_output=True, text=True, cwd=stage.dir, check=True).stdout.splitlines()
    streams = {int(x.split(",")[0]) for x in out if x.strip()}
    return len(out), max(len(streams), 1)


def measure(stage, cap, mode, runs, variants):
    res = {v: [] for v in variants}
    for i in range(runs):
        order = list(variants[i % len(variants):]) + list(variants[:i % len(variants)])
        for v in order:
            res[v].append(stage.run(v, mode_args(mode, v) + ["-r", cap]))
            w, rss, cpu = res[v][-1]
            log(f"    run {i + 1}/{runs} {v:7s} {w:8.2f} s wall {cpu:8.2f} s CPU {rss / 1024:8.1f} MiB")
    return res


ALL_VARIANTS = VARIANTS + ("twopass", "nego") + tuple(EXTRAS)
NAMES = {"without": "without", "with": "with", "lua": "Lua", "twopass": "two_pass", "nego": "negotiation",
         "floor": "floor", "floornego": "floor (options)", "probe": "probe"}


def instr_table(results):
    rows = [r for r in results if r.get("instr")]
    if not rows:
        return ""
    vs = [v for v in ALL_VARIANTS if any(v in r["instr"] for r in rows)]
    hdr = (["capture", "mode"] + [f"Ir/pkt {NAMES[v]}" for v in vs] +
           [f"{NAMES[v]} / without" for v in vs if v != "without"])
    lines = ["", "Instructions per packet (valgrind callgrind, start-up subtracted; not disturbed by other load):",
             "", "| " + " | ".join(hdr) + " |", "|" + "|".join("---" if i < 2 else "---:" for i in range(len(hdr))) + "|"]
    for r in rows:
        per = {v: (r["instr"][v] - r["instr_startup"][v]) / r["packets"] for v in vs if v in r["instr"]}
        lines.append("| " + " | ".join([r["capture"], r["mode"]] +
                                       [fmt(per.get(v), ",.0f") for v in vs] +
                                       [fmt(per[v] / per["without"] if v in per else None, ".3f")
                                        for v in vs if v != "without"]) + " |")
    return "\n".join(lines)


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def table(results, sizes, mach):
    """One row per capture and mode.  Ratios are of medians: wall time, and
    CPU (user+sys) time, which other load on the machine disturbs less."""
    extras = [v for v in ALL_VARIANTS if v not in ("without", "with") and any(v in r["runs"] for r in results)]
    hdr = (["capture", "packets", "conns", "mode", "runs", "without s", "with s", "ratio", "CPU ratio"] +
           [f"{NAMES[v]} CPU ratio" for v in extras] +
           ["plugin CPU ns/pkt", "RSS without MiB", "RSS with MiB", "RSS ratio"] +
           [f"RSS {NAMES[v]} ratio" for v in extras] + ["plugin B/conn", "plugin B/pkt"])
    lines = [f"Machine: {mach['nproc']} x {mach['cpu']}, {mach['mem_gib']} GiB, Linux {mach['kernel']}; "
             f"{mach['tshark']}; Handshake {mach.get('source', '?')}; {mach['date']}.",
             f"sizeof(hs_conn) = {sizes['hs_conn']} B per attempt while in use (packed once quiet: plugin/engine/conn_pack.h), {sizes.get('frame', sizes.get('hs_result'))} B per frame (HS_FRAME_BYTES).",
             "",
             "| " + " | ".join(hdr) + " |",
             "|" + "|".join("---" if i < 4 else "---:" for i in range(len(hdr))) + "|"]
    for r in results:
        med = {v: statistics.median(x[0] for x in r["runs"][v]) for v in r["runs"]}
        rss = {v: statistics.median(x[1] for x in r["runs"][v]) * 1024 for v in r["runs"]}
        cpu = {v: statistics.median(x[2] for x in r["runs"][v]) for v in r["runs"]}
        n, c = r["packets"], r["conns"]
        row = [r["capture"], f"{n:,}", f"{c:,}", r["mode"], str(len(r["runs"]["with"])),
               fmt(med["without"], ".2f"), fmt(med["with"], ".2f"), fmt(med["with"] / med["without"], ".3f"),
               fmt(cpu["with"] / cpu["without"], ".3f")]
        row += [fmt(cpu[v] / cpu["without"] if v in cpu else None, ".3f") for v in extras]
        row += [fmt((cpu["with"] - cpu["without"]) / n * 1e9, ".0f"),
                fmt(rss["without"] / 2**20, ".1f"), fmt(rss["with"] / 2**20, ".1f"),
                fmt(rss["with"] / rss["without"], ".3f")]
        row += [fmt(rss[v] / rss["without"] if v in rss else None, ".3f") for v in extras]
        row += [fmt((rss["with"] - rss["without"]) / c, ".0f"), fmt((rss["with"] - rss["without"]) / n, ".0f")]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n" + instr_table(results)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10k and 100k conns, 100k syns (for CI)")
    ap.add_argument("--sizes", type=lambda s: [parse_size(x) for x in s.split(",") if x],
                    help="conns captures, packets (default 10k,1M,10M)")
    ap.add_argument("--syns", type=lambda s: [parse_size(x) for x in s.split(",") if x],
                    help="syns captures, packets (default 1M); empty for none")
    ap.add_argument("--runs", type=int, default=5, help="runs of each variant (default 5)")
    ap.add_argument("--modes", default=",".join(MODES),
                    help=f"comma-separated, of {', '.join(MODES)} (default all)")
    ap.add_argument("--verbose-max", type=parse_size, default=None,
                    help="skip -V on captures larger than this (default: none skipped)")
    ap.add_argument("--no-lua", action="store_true", help="skip the Lua post-dissector column")
    ap.add_argument("--two-pass", action="store_true",
                    help="also run the plugin with -o hs.two_pass:TRUE (the preference's cost)")
    ap.add_argument("--negotiation", action="store_true",
                    help="also run the plugin with -o hs.negotiation:TRUE (the preference's cost)")
    for name, (source, _, _, what) in EXTRAS.items():
        ap.add_argument(f"--{name}", action="store_true", help=f"also run {source}: {what}")
    ap.add_argument("--extras-max", type=parse_size, default=None,
                    help="run Lua and the extra plugins only on captures of at most this many packets")
    ap.add_argument("--extras-modes", default=",".join(MODES),
                    help="modes in which the extra plugins (--floor, --probe) run (default all)")
    ap.add_argument("--build", help="existing build folder (with plugins/X.Y/epan/hs.so)")
    ap.add_argument("--plugin", help="an hs.so to use (else --build, else build one)")
    ap.add_argument("--workdir", help="folder for captures and staging (kept; captures reused)")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--markdown", help="also write the table here")
    ap.add_argument("--capture", action="append", default=[],
                    help="also measure this existing capture (repeatable)")
    ap.add_argument("--instructions", type=parse_size, default=None, metavar="MAX",
                    help="also count instructions under valgrind for captures of at most MAX packets "
                         "(within ~0.5%% run to run, unlike times on a busy machine; ~50x slower)")
    ap.add_argument("--from-json", help="only print the table of earlier --json files (comma-separated)")
    args = ap.parse_args()

    if args.from_json:
        results, sizes, mach = [], None, None
        for f in args.from_json.split(","):
            with open(f) as fh:
                d = json.load(fh)
            results += d["results"]
            sizes, mach = d["sizes"], d["machine"]
        print(table(results, sizes, mach))
        return

    sizes = args.sizes if args.sizes is not None else ([10**4, 10**5] if args.quick else [10**4, 10**6, 10**7])
    syns = args.syns if args.syns is not None else ([10**5] if args.quick else [10**6])
    modes = [m for m in args.modes.split(",") if m]
    variants = ("without", "with") if args.no_lua else VARIANTS
    variants += ("twopass",) if args.two_pass else ()
    variants += ("nego",) if args.negotiation else ()
    variants += tuple(name for name in EXTRAS if getattr(args, name))
    bad = [m for m in modes if m not in MODES]
    if bad:
        sys.exit(f"unknown mode(s) {', '.join(bad)}: choose from {', '.join(MODES)}")

    ensure_time()
    if args.instructions and not shutil.which("valgrind"):
        sys.exit("--instructions needs valgrind (apt-get install valgrind)")
    if args.workdir:
        workdir = os.path.abspath(args.workdir)
        os.makedirs(workdir, exist_ok=True)
    else:
        workdir = tempfile.mkdtemp(prefix="hs-bench-")
    plugin = build_plugin(args, workdir)
    stage = Stage(workdir, plugin, {name: build_extra(workdir, plugin, name)
                                    for name in EXTRAS if getattr(args, name)})
    gen = os.path.join(workdir, "gen_pcap")
    sh(["cc", "-std=c11", "-O2", "-o", gen, os.path.join(HERE, "gen_pcap.c")])
    struct = struct_sizes(workdir)
    mach = machine()
    if args.plugin or args.build:   # not built here: say which hs.so, not which source
        mach["source"] += ", hs.so of " + time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(plugin)))

    caps = [("conns", n) for n in sizes] + [("syns", n) for n in syns] + [("file", f) for f in args.capture]
    tiny = os.path.join(stage.captures, "conns-10.pcap")   # start-up cost, for --instructions
    sh([gen, "conns", "10", tiny])
    os.chmod(tiny, 0o644)
    results = []
    try:
        for kind, n in caps:
            if kind == "file":
                name = os.path.basename(n)
                path = os.path.join(stage.captures, name)
                shutil.copyfile(n, path)
                os.chmod(path, 0o644)
                n, conns = count_packets_streams(stage, path)
            else:
                name = f"{kind}-{size_name(n)}.pcap"
                path = os.path.join(stage.captures, name)
                conns = (n + 9) // 10 if kind == "conns" else n
            if not os.path.exists(path):
                log(f"generating {name}")
                sh([gen, kind, str(n), path])
                os.chmod(path, 0o644)
            with open(path, "rb") as f:      # warm the page cache
                while f.read(1 << 24):
                    pass
            if not results:
                sanity(stage, path, "lua" in variants)
            for mode in modes:
                if mode == "verbose" and args.verbose_max and n > args.verbose_max:
                    continue
                log(f"{name} {mode}")
                vs = variants if not args.extras_max or n <= args.extras_max else ("without", "with")
                vs = tuple(v for v in vs if v not in EXTRAS or mode in args.extras_modes.split(","))
                vs = tuple(v for v in vs if v != "lua" or mode in LUA_MODES)
                runs = measure(stage, path, mode, args.runs, vs)
                res = {"capture": name, "kind": kind, "packets": n, "conns": conns, "mode": mode, "runs": runs}
                if args.instructions and n <= args.instructions:
                    res["instr"], res["instr_startup"] = {}, {}
                    for v in vs:
                        res["instr"][v] = stage.instructions(v, mode_args(mode, v) + ["-r", path])
                        res["instr_startup"][v] = stage.instructions(v, mode_args(mode, v) + ["-r", tiny])
                        log(f"    {v:7s} {res['instr'][v]:,} instructions ({res['instr_startup'][v]:,} start-up)")
                results.append(res)
    finally:
        md = table(results, struct, mach) if results else "(no results)"
        print(md)
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write(md + "\n")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"machine": mach, "sizes": struct, "results": results}, f, indent=1)
        if not args.workdir:
            shutil.rmtree(workdir, True)


if __name__ == "__main__":
    main()
