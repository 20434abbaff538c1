#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the "Handshake" configuration profile (profile/) with the real tshark.

    tests/gui/check_profile.py BUILD_DIR

BUILD_DIR holds plugins/X.Y/epan/hs.so.  tshark runs as in the integration
tests (tests/integration/hstest.py: an ordinary user, the plugin staged in a
world-readable folder that is also HOME), after profile/install.sh has
installed the profile into that HOME.  Checks:

- install.sh installs the four files, and --uninstall removes them;
- `tshark -C Handshake` prints the hs.label and hs.conn_state columns next to
  Wireshark's default ones;
- every filter of dfilters, dfilter_buttons and colorfilters compiles
  (`tshark -Y FILTER`) with the plugin loaded, and the colouring rules load
  without a warning;
- the colouring rules pick the intended rule for the anomalies of the
  synthetic captures (refused, RST abort, unanswered SYN, retransmission ...).
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
import hstest  # noqa: E402

PROFILE = "Handshake"
FILES = ("preferences", "colorfilters", "dfilter_buttons", "dfilters")

passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))


def uat_unescape(s):
    """Wireshark's UAT files write a double quote or a backslash as \\xHH."""
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)


def profile_filters(folder):
    """(file, name, filter) for every filter the profile holds."""
    out = []
    with open(os.path.join(folder, "dfilters"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'^\s*"((?:[^"\\]|\\.)*)"\s+(.+?)\s*$', line)
            if m:
                out.append(("dfilters", m.group(1), m.group(2)))
            elif line.strip():
                out.append(("dfilters", "unreadable line", line.strip()))
    with open(os.path.join(folder, "dfilter_buttons"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
            if len(fields) != 4 or fields[0] not in ("TRUE", "FALSE"):
                out.append(("dfilter_buttons", "unreadable line", line.strip()))
                continue
            out.append(("dfilter_buttons", fields[1], uat_unescape(fields[2])))
    with open(os.path.join(folder, "colorfilters"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith(("@", "!@")):
                continue
            m = re.match(r"^!?@([^@]*)@(.*)@\[\d+,\d+,\d+\]\[\d+,\d+,\d+\]$", line)
            if m:
                out.append(("colorfilters", m.group(1), m.group(2)))
            else:
                out.append(("colorfilters", "unreadable line", line))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if not shutil.which("tshark"):
        print("tshark is not installed: skipped")
        return hstest.SKIP
    ts = hstest.Tshark(sys.argv[1])
    home = ts.env["HOME"]
    env = {"PATH": "/usr/bin:/bin", "HOME": home}
    install = os.path.join(SOURCE_DIR, "profile", "install.sh")
    dest = os.path.join(home, ".config", "wireshark", "profiles", PROFILE)

    p = subprocess.run(["sh", install], env=env, capture_output=True, text=True)
    check(p.returncode == 0 and all(os.path.isfile(os.path.join(dest, f)) for f in FILES),
          f"install.sh installs {', '.join(FILES)} into ~/.config/wireshark/profiles/{PROFILE}",
          p.stdout + p.stderr)
    for root, dirs, files in os.walk(os.path.join(home, ".config")):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    for f in FILES:
        with open(os.path.join(dest, f), encoding="utf-8") as fh:
            first = fh.readline()
        if f != "dfilters":  # its format has no comment lines
            check(first.startswith("# SPDX-License-Identifier: GPL-2.0-or-later"), f"{f}: SPDX line")

    seed = ts.capture(os.path.join(SOURCE_DIR, "captures", "seed-handshake.pcap"))

    # The columns: default ones, then the step and Zeek's conn_state, then Info.
    out = ts.run(["-C", PROFILE, "-r", seed, "-Y", "frame.number == 2"])
    check("SYN+ACK(y,x+1) S1 80 → 57245 [SYN, ACK]" in out,
          "tshark -C Handshake shows the hs.label and hs.conn_state columns", out)
    check(out.count("SYN+ACK(y,x+1)") == 1,
          "the profile shows the step once: its column, not Info too (hs.info_column: Off)", out)
    out = ts.run(["-C", PROFILE, "-2", "-r", seed, "-Y", "frame.number == 7"])
    check("192.30.252.153 → 166.111.8.28 TCP 54 FIN(X) SF 80 → 57245" in out,
          "two passes: the final conn_state (SF) in the column", out)
    out = ts.run(["-r", seed, "-Y", "frame.number == 2"])
    check("SYN+ACK(y,x+1) S1" not in out, "without -C the default columns stay", out)

    # Every filter of the profile compiles with the plugin loaded.
    filters = profile_filters(dest)
    check(len(filters) >= 5 + 5 + 8, f"{len(filters)} filters found in the profile")
    for f, name, expr in filters:
        try:
            ts.run(["-r", seed, "-Y", expr, "-c", "1"])
            ok, detail = name != "unreadable line", expr
        except RuntimeError as e:
            ok, detail = False, str(e).strip()
        check(ok, f"{f}: {name}: {expr}", detail)
    buttons = {name: expr for f, name, expr in filters if f == "dfilter_buttons"}
    wanted = {"Handshakes": "hs.step", "Closes": "hs.step >= 4", "Refused": 'hs.conn_state == "REJ"',
              "Never answered": 'hs.conn_state == "S0"', "Anomalies": "hs.anomaly"}
    check(buttons == wanted, "the five filter buttons", repr(buttons))

    # The colouring rules load (a rule that does not compile is a warning
    # naming the profile's colorfilters file, which hstest turns into an
    # error) and pick the intended rule.
    expect = {
        "seed-handshake.pcap": {1: "HS opening handshake step", 2: "HS opening handshake step",
                                4: "HTTP", 7: "HS close step", 10: "HS close step"},
        "synthetic/refused.pcap": {1: "HS opening handshake step", 2: "HS refused (RST answering the SYN)",
                                   3: "HS retransmitted step"},
        "synthetic/rst-abort.pcap": {7: "HS connection aborted (RST)"},
        "synthetic/syn-unanswered.pcap": {1: "HS never answered (SYN, SYN+ACK or FIN)",
                                          2: "HS retransmitted step"},
        "synthetic/bad-acks.pcap": {2: "HS numbers do not check out", 3: "HS numbers do not check out"},
        "synthetic/synack-retrans.pcap": {3: "HS retransmitted step"},
        "synthetic/midstream.pcap": {1: "HS other anomaly"},
    }
    for name, rules in expect.items():
        cap = ts.capture(os.path.join(SOURCE_DIR, "captures", name))
        try:
            out = ts.run(["-C", PROFILE, "--color", "-2", "-r", cap, "-T", "fields",
                          "-e", "frame.number", "-e", "frame.coloring_rule.name"])
        except RuntimeError as e:
            check(False, f"colouring rules on {name}", str(e))
            continue
        got = dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line)
        bad = {n: got.get(str(n)) for n, r in rules.items() if got.get(str(n)) != r}
        check(not bad, f"colouring rules on {name}", f"got {bad}, wanted {rules}")

    p = subprocess.run(["sh", install, "--uninstall"], env=env, capture_output=True, text=True)
    check(p.returncode == 0 and not os.path.exists(dest), "install.sh --uninstall removes the profile",
          p.stdout + p.stderr)

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
