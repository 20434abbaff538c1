#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Inside the Windows chroot (tests/windows/run.sh runs it there): the
project's own tshark tests, run against the Windows tshark.exe X.Y of
cross-build.sh under Wine with hs.dll loaded, compared with the same expected
files as on Linux (line endings aside):

  golden.*       -T fields on every capture the project made, tshark -2
                 with hs.two_pass and hs.negotiation, and single pass
  reports.*      -z hs,tree and -z flow,hs (tests/reports/CMakeLists.txt's list)
  conn_log.*     -z hs,conn (tests/CMakeLists.txt's list)
  tshark.*       the seed, two passes, expert info, filters, negotiation, the
                 Linux kernel cases, the plugin listed by -G plugins

usage: wine_tests.py X.Y HS_DLL [NAME_REGEX]
"""
import concurrent.futures
import glob
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

TOP = "/opt/hs-win"
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IT = os.path.join(SRC, "tests", "integration")
CAPS = os.path.join(SRC, "captures")
PY = sys.executable

# Runs tshark.exe under Wine for tests/integration/hstest.py (HS_TSHARK):
# Unix paths in arguments and in WIRESHARK_PLUGIN_DIR become Z:\ paths,
# CR LF becomes LF, the exit status is tshark's.
WRAPPER = r'''#!/usr/bin/env python3
import os, subprocess, sys
def win(p):
    return "Z:" + p.replace("/", "\\") if p.startswith("/") else p
env = dict(os.environ, WINEPREFIX=%(prefix)r, WINEDEBUG="-all", WINEPATH=%(path)r)
if "WIRESHARK_PLUGIN_DIR" in env:
    env["WIRESHARK_PLUGIN_DIR"] = win(env["WIRESHARK_PLUGIN_DIR"])
p = subprocess.run(["wine", %(exe)r] + [win(a) for a in sys.argv[1:]], env=env,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
sys.stdout.buffer.write(p.stdout.replace(b"\r\n", b"\n"))
sys.stderr.buffer.write(p.stderr.replace(b"\r\n", b"\n"))
sys.exit(p.returncode)
'''


def cmake_list(path, var):
    """The items of set(VAR ...) in a CMakeLists.txt: one list, kept there."""
    text = open(path).read()
    m = re.search(r"set\(%s\s+(.*?)\)" % re.escape(var), text, re.S)
    return m.group(1).split() if m else []


def tests(build):
    t = []
    for cap in sorted(glob.glob(f"{CAPS}/*.pcap") + glob.glob(f"{CAPS}/synthetic/*.pcap")
                      + glob.glob(f"{CAPS}/real/*.pcap") + glob.glob(f"{CAPS}/routed/*.pcap")):
        name = os.path.relpath(cap, CAPS)[:-len(".pcap")]
        t.append((f"golden.{name}", [f"{IT}/golden.py", build, cap, f"{SRC}/tests/expected/{name}.tsv"]))
    rep = os.path.join(SRC, "tests", "reports")
    for name in cmake_list(f"{rep}/CMakeLists.txt", "_report_caps"):
        t.append((f"reports.{name}", [f"{rep}/check_reports.py", build, f"{CAPS}/{name}.pcap",
                                      f"{rep}/expected/{name}", "--flow"]))
    for name in cmake_list(f"{SRC}/tests/CMakeLists.txt", "_conn_log_caps"):
        t.append((f"conn_log.{name}", [f"{IT}/check_conn_log.py", build, "golden", f"{CAPS}/{name}.pcap",
                                       f"{SRC}/tests/expected/conn-log/{name}.log"]))
    t.append(("tshark.seed", [f"{IT}/check_seed.py", build, f"{CAPS}/seed-handshake.pcap"]))
    # Not tshark.info_column: it writes its preferences to the Unix personal
    # folder, and Windows tshark reads %APPDATA%\Wireshark, which the
    # parallel tests here share.
    for name in ("two_pass", "expert_chat", "filters", "negotiation", "kernel_cases", "plugin_listed"):
        t.append((f"tshark.{name}", [f"{IT}/check_{name}.py", build]))
    return t


def setup(ver, dll, work):
    """The build folder the tests read (plugins/X.Y/epan/hs.dll), a Wine
    prefix of the user tshark runs as, and the wrapper."""
    exe = f"{TOP}/wireshark-{ver}/tshark.exe"
    if not os.path.exists(exe):
        sys.exit(f"wine_tests: no {exe}: run tests/windows/build-wireshark.sh {ver}")
    build = os.path.join(work, "build")
    epan = os.path.join(build, "plugins", ver, "epan")
    os.makedirs(epan)
    shutil.copy(dll, epan)
    user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    prefix = os.path.join(work, "wineprefix")
    os.mkdir(prefix)
    if os.geteuid() == 0:
        shutil.chown(prefix, user)
    dirs = [f"{TOP}/wireshark-{ver}", f"{TOP}/deps/bin", "/usr/x86_64-w64-mingw32ucrt/lib"]
    dirs += glob.glob("/usr/lib/gcc/x86_64-w64-mingw32ucrt/*-win32")
    path = ";".join("Z:" + d.replace("/", "\\") for d in dirs)
    wrapper = os.path.join(work, "tshark-wine")
    with open(wrapper, "w") as f:
        f.write(WRAPPER % {"prefix": prefix, "path": path, "exe": exe})
    for p in (work, build, os.path.dirname(epan), epan):
        os.chmod(p, 0o755)
    os.chmod(wrapper, 0o755)
    # The first run creates the prefix (about 20 s); say which tshark this is.
    cmd = [wrapper, "--version"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", user, "--", "env", f"HOME={work}"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    if out.returncode != 0:
        sys.exit(f"wine_tests: tshark.exe --version failed ({out.returncode}):\n{out.stderr}")
    # Where a Windows user puts it: %APPDATA%\Wireshark\plugins\X.Y\epan.
    # (Windows tshark reads no WIRESHARK_PLUGIN_DIR: wsutil/filesystem.c.)
    roaming = [d for d in glob.glob(f"{prefix}/drive_c/users/*/AppData/Roaming")
               if "/Public/" not in d]
    if len(roaming) != 1:
        sys.exit(f"wine_tests: no single %APPDATA% in {prefix}: {roaming}")
    personal = os.path.join(roaming[0], "Wireshark", "plugins", ver, "epan")
    os.makedirs(personal)
    shutil.copy(dll, personal)
    if os.geteuid() == 0:
        for root, dirs, files in os.walk(os.path.join(roaming[0], "Wireshark")):
            for n in dirs + files + ["."]:
                shutil.chown(os.path.join(root, n), user)
    print(out.stdout.splitlines()[0], "under", subprocess.run(["wine", "--version"], capture_output=True,
                                                                text=True).stdout.strip())
    return build, wrapper


def run_one(test, env):
    name, args = test
    t = time.monotonic()
    p = subprocess.run([PY] + args, env=env, capture_output=True, text=True)
    return name, p.returncode, time.monotonic() - t, p.stdout + p.stderr


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    ver, dll = sys.argv[1], os.path.abspath(sys.argv[2])
    pick = re.compile(sys.argv[3]) if len(sys.argv) == 4 else None
    work = tempfile.mkdtemp(prefix="hs-wine-")
    os.chmod(work, 0o755)
    try:
        build, wrapper = setup(ver, dll, work)
        env = dict(os.environ, HS_TSHARK=wrapper)
        todo = [t for t in tests(build) if not pick or pick.search(t[0])]
        passed = failed = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for name, rc, secs, out in pool.map(lambda t: run_one(t, env), todo):
                if rc == 0:
                    passed += 1
                    print(f"ok     {name} ({secs:.1f} s)")
                else:
                    failed += 1
                    print(f"FAILED {name} ({secs:.1f} s, exit {rc})")
                    print("\n".join("    " + line for line in out.rstrip().splitlines()[-40:]))
        print(f"Windows tshark {ver} under Wine: {passed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
