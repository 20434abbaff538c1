#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every tshark example in README.md is run for real and its output must be
the output shown.  A README example is a ```console block whose lines
starting with "$ tshark" are commands; the lines after each, up to the next
"$ " line or the end of the block, are its expected output (the times in a
Zeek log's #open and #close lines are compared by shape only).  Commands run
with the freshly built plugin, from a staged copy of captures/.

usage: readme_examples.py BUILD_DIR [--update]
"""
import os
import re
import shlex
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

README = os.path.join(hstest.SOURCE_DIR, "README.md")


# Zeek logs (-z hs,conn) say when they were written: compare those lines by shape.
WRITTEN = re.compile(r"^(#open|#close)\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$")


def same_output(expected, actual):
    def shape(lines):
        return [WRITTEN.sub(r"\1\tYYYY-MM-DD-hh-mm-ss", line) for line in lines]
    return shape(expected) == shape(actual)


def run_example(ts, cmd):
    args = shlex.split(cmd)[1:]
    # Exactly what the README says; the README shows -2's warning itself.
    out = ts.run(args, check=False, two_pass_pref=False,
                 allow_stderr="tshark -2 runs its first pass without taps")
    return out.rstrip("\n").split("\n") if out.strip() else []


def tshark_minor(ts):
    m = re.search(r"TShark \(Wireshark\) (\d+\.\d+)", ts.run(["--version"]))
    return m.group(1) if m else "?"


def main():
    update = "--update" in sys.argv
    ts = hstest.Tshark(sys.argv[1])
    with open(README) as f:
        m = re.search(r"<!-- examples: tshark (\d+\.\d+) -->", f.read())
    if not m:
        print("README has no '<!-- examples: tshark X.Y -->' marker")
        return 1
    if m.group(1) != tshark_minor(ts) and not update:
        # Output formats differ between Wireshark versions; the examples
        # were recorded with one of them.
        print(f"SKIP: README examples were recorded with tshark {m.group(1)}, this is {tshark_minor(ts)}")
        return hstest.SKIP
    shutil.copytree(os.path.join(hstest.SOURCE_DIR, "captures"), os.path.join(ts.stage, "captures"),
                    dirs_exist_ok=True)
    for root, dirs, files in os.walk(ts.stage):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    with open(README) as f:
        lines = f.read().split("\n")
    out_lines, failures, count, i = [], 0, 0, 0
    while i < len(lines):
        line = lines[i]
        out_lines.append(line)
        i += 1
        if line.strip() != "```console":
            continue
        while i < len(lines) and lines[i].strip() != "```":
            cmd = lines[i]
            out_lines.append(cmd)
            i += 1
            expected = []
            while i < len(lines) and not lines[i].startswith("$ ") and lines[i].strip() != "```":
                expected.append(lines[i])
                i += 1
            if not cmd.startswith("$ tshark"):
                out_lines.extend(expected)
                continue
            count += 1
            actual = run_example(ts, cmd[2:])
            if not same_output(expected, actual):
                if not update:
                    failures += 1
                    hstest.diff(expected, actual, f"README example: {cmd}")
            out_lines.extend(actual if update else expected)
    if update:
        with open(README, "w") as f:
            f.write("\n".join(out_lines))
        print(f"README: {count} examples rewritten from real output")
        return 0
    print(f"README: {count} tshark examples, {failures} differ")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
