# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the real tshark with the freshly built plugin loaded.

Wireshark ignores personal plugin folders and WIRESHARK_PLUGIN_DIR for
root, so as root tshark runs as an ordinary user (`nobody`), and since the
build folder may not be readable by that user, the plugin and captures are
staged in a world-readable temporary folder first.  HOME points into that
folder too, so a plugin installed in the real personal folder is never
loaded twice.
"""
import atexit
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DIR = os.environ.get("HS_SHARED_DIR", os.path.join(os.path.dirname(SOURCE_DIR), "shared"))
SKIP = 77  # ctest SKIP_RETURN_CODE
HS_CONN_LOG = os.path.join(SOURCE_DIR, "tools", "hs-conn-log")
# The tshark to run: another one in HS_TSHARK (tests/windows/run.sh points it
# at a wrapper that runs a Windows tshark.exe under Wine).
TSHARK = os.environ.get("HS_TSHARK", "tshark")

# The columns of the golden files: what the plugin says about each packet.
GOLDEN_FIELDS = [
    # per packet: the same in one pass and two
    "frame.number", "hs.step", "hs.label", "hs.seq", "hs.ack", "hs.valid", "hs.attempt",
    "hs.role", "hs.state.initiator", "hs.state.responder", "hs.accept", "hs.retry_delay",
    "hs.rst.origin", "hs.rst.ttl_delta",
    # per connection: final with -2, so far in one pass
    "hs.conn_state", "hs.history", "hs.close.initiator", "hs.anomaly", "hs.opt.summary",
    "hs.rtt.syn_synack", "hs.rtt.synack_ack", "hs.rtt.handshake", "hs.syn.retries", "hs.synack.retries",
    "hs.connect_time", "hs.close.duration", "hs.vantage",
    "hs.outcome", "hs.close.kind", "hs.icmp.frame", "hs.icmp.type", "hs.icmp.code", "hs.icmp.from",
    "hs.synack.ttl_delta", "hs.time.first_data", "hs.time.first_response",
]
# Boolean fields: -T fields prints 1/0 up to Wireshark 4.0, True/False from 4.2.
BOOL_FIELDS = {"hs.valid", "hs.retransmission", "hs.conn.last", "hs.opt.wscale", "hs.opt.sack", "hs.opt.ts",
               "hs.opt.mptcp"}
# The per-packet columns that single-pass and two-pass output must agree on.
STEP_FIELDS = GOLDEN_FIELDS[:14]


class Tshark:
    with_plugin = True     # False for a copy run without it (no hs.* preference then)

    def __init__(self, build_dir):
        plugins = os.path.join(build_dir, "plugins")
        if not os.path.isdir(plugins):
            sys.exit(f"no plugin built in {plugins}")
        self.stage = tempfile.mkdtemp(prefix="hs-test-")
        atexit.register(shutil.rmtree, self.stage, True)
        os.chmod(self.stage, 0o755)
        shutil.copytree(plugins, os.path.join(self.stage, "plugins"))
        self.captures = os.path.join(self.stage, "captures")
        os.mkdir(self.captures)
        for root, dirs, files in os.walk(self.stage):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.stage,
            "LANG": "C.UTF-8",
            "WIRESHARK_PLUGIN_DIR": os.path.join(self.stage, "plugins"),
        }
        for var in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if var in os.environ:
                self.env[var] = os.environ[var]

    def capture(self, path):
        """A world-readable copy of a capture, for the unprivileged tshark."""
        dest = os.path.join(self.captures, f"{len(os.listdir(self.captures))}-{os.path.basename(path)}")
        shutil.copyfile(path, dest)
        os.chmod(dest, 0o644)
        return dest

    def run(self, args, check=True, allow_stderr=None, two_pass_pref=True):
        """tshark ARGS as an ordinary user; its stdout.

        tshark -2 runs with the two_pass preference (final values on the
        first pass, which runs no taps) unless ARGS set hs.two_pass
        themselves (or two_pass_pref is False).  Any stderr line naming the plugin fails the run, but
        those containing `allow_stderr`."""
        args = list(args)
        if two_pass_pref and self.with_plugin and "-2" in args and not any(a.startswith("hs.two_pass:") for a in args):
            args = ["-o", "hs.two_pass:TRUE"] + args
        cmd = [TSHARK] + args
        env = ["env", "-i"] + [f"{k}={v}" for k, v in self.env.items()]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "nobody", "--"] + env + cmd
        else:
            cmd = env + cmd
        # tshark -V on a damaged capture may print bytes that are not UTF-8.
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", cwd=self.stage,
                           timeout=600)
        if check and p.returncode != 0:
            raise RuntimeError(f"tshark {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
        # Any dissector bug or warning from our plugin is a failure.
        self.stderr = p.stderr
        for line in p.stderr.splitlines():
            if allow_stderr and allow_stderr in line:
                continue
            if "Handshake" in line or "hs.so" in line or "Dissector bug" in line:
                raise RuntimeError(f"tshark reported: {line}")
        return p.stdout

    def wrapper(self, name="tshark", plugins=None):
        """An executable script in the stage that runs this tshark as run()
        does (same user, environment and plugin folder, or `plugins`), with
        its own stdout, stderr and exit status: for tools that run tshark
        themselves (tools/hs-conn-log --tshark)."""
        env = dict(self.env)
        if plugins is not None:
            env["WIRESHARK_PLUGIN_DIR"] = plugins
        cmd = ["env", "-i"] + [f"{k}={v}" for k, v in env.items()] + [TSHARK]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "nobody", "--"] + cmd
        path = os.path.join(self.stage, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\nexec " + " ".join(shlex.quote(c) for c in cmd) + ' "$@"\n')
        os.chmod(path, 0o755)
        return path

    def share(self, path):
        """Make a file or folder made in the stage readable by the tshark user."""
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
        for root, dirs, files in os.walk(path) if os.path.isdir(path) else ():
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        return path

    def fields(self, capture, fields, two_pass=False, extra=()):
        args = ["-r", capture, "-T", "fields", "-E", "header=y", "-E", "occurrence=a",
                "-E", "aggregator=,"] + list(extra)
        if two_pass:
            args.insert(0, "-2")
        for f in fields:
            args += ["-e", f]
        return normalize_bools(self.run(args), fields)


def normalize_bools(tsv, fields):
    """Booleans as 1/0 whatever the Wireshark version."""
    cols = [i for i, f in enumerate(fields) if f in BOOL_FIELDS]
    if not cols:
        return tsv
    out = []
    for n, line in enumerate(tsv.split("\n")):
        cells = line.split("\t")
        if n > 0 or not line.startswith(fields[0]):
            for i in cols:
                if i < len(cells):
                    cells[i] = ",".join({"True": "1", "False": "0"}.get(v, v) for v in cells[i].split(","))
        out.append("\t".join(cells))
    return "\n".join(out)


def shared_dir(*parts):
    """A folder of ../shared, or None after saying why the test skips."""
    path = os.path.join(SHARED_DIR, *parts)
    if os.path.isdir(path):
        return path
    print(f"SKIP: {path} is absent (a fresh clone has no ../shared)")
    return None


def report(what, failures):
    """Print the failures and a summary line; the exit status."""
    for f in failures:
        print("FAIL:", f)
    print(f"{what}: {'ok' if not failures else f'{len(failures)} failures'}")
    return 1 if failures else 0


def columns(tsv, names):
    """Keep the named columns of a tab-separated output with a header row."""
    lines = tsv.rstrip("\n").split("\n")
    header = lines[0].split("\t")
    idx = [header.index(n) for n in names]
    return ["\t".join(row.split("\t")[i] for i in idx) for row in lines]


def diff(expected, actual, what):
    import difflib
    d = "\n".join(difflib.unified_diff(expected, actual, "expected", "actual", lineterm=""))
    print(f"MISMATCH: {what}\n{d}")


class ConnLog:
    """A Zeek ASCII conn.log (from -z hs,conn or tools/hs-conn-log): its
    header lines, #fields, #types and rows (dicts by field name)."""

    def __init__(self, text):
        self.meta, self.fields, self.types, self.lines = [], None, None, []
        for line in text.rstrip("\n").split("\n"):
            if line.startswith("#fields\t"):
                self.fields = line.split("\t")[1:]
            elif line.startswith("#types\t"):
                self.types = line.split("\t")[1:]
            elif line.startswith("#"):
                self.meta.append(line)
            elif line:
                self.lines.append(line)
        self.rows = [dict(zip(self.fields or [], line.split("\t"))) for line in self.lines]

    def stable(self):
        """Everything but the #open and #close times, as lines."""
        return [m for m in self.meta if not m.startswith(("#open\t", "#close\t"))] + \
            ["\t".join(["#fields"] + (self.fields or [])), "\t".join(["#types"] + (self.types or []))] + self.lines


def endpoint(text):
    """'1.2.3.4:80' or '[2001:db8::1]:80' -> ('1.2.3.4', '80')"""
    import re
    m = re.fullmatch(r"\[?([^\]]+?)\]?:(\d+)", text)
    return (m.group(1), m.group(2)) if m else (text, "")
