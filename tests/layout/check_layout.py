#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The layout says what the code is (README, "Architecture"):

- plugin/engine/ is pure C: it includes its own headers and the C
  library's, nothing of Wireshark's (so it builds, is unit-tested and
  fuzzed alone);
- calls go one way: a module (x.c with its x.h) that includes another's
  header depends on it, and no chain of such dependencies comes back to
  where it started (headers without a .c, hs_types.h and hs_compat.h, are
  types only);
- no source file under plugin/ is over 1,000 lines;
- every source file starts with its SPDX line.

Usage: check_layout.py [SOURCE_DIR]   (default: this repository)"""
import os
import re
import sys

C11_HEADERS = {
    "assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h", "inttypes.h", "iso646.h",
    "limits.h", "locale.h", "math.h", "setjmp.h", "signal.h", "stdalign.h", "stdarg.h",
    "stdatomic.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "stdnoreturn.h",
    "string.h", "tgmath.h", "threads.h", "time.h", "uchar.h", "wchar.h", "wctype.h",
}
MAX_LINES = 1000
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources(plugin):
    for folder, _, files in sorted(os.walk(plugin)):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(folder, f)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    plugin = os.path.join(root, "plugin")
    engine = os.path.join(plugin, "engine")
    problems = []
    files = list(sources(plugin))
    stems = {os.path.splitext(os.path.basename(p))[0] for p in files if p.endswith(".c")}
    deps = {}
    for path in files:
        rel = os.path.relpath(path, root)
        text = open(path, encoding="utf-8").read()
        lines = text.count("\n")
        if lines > MAX_LINES:
            problems.append(f"{rel}: {lines} lines (at most {MAX_LINES})")
        if not text.startswith(("/* SPDX-License-Identifier: GPL-2.0-or-later */", "// SPDX-License-Identifier: GPL-2.0-or-later")):
            problems.append(f"{rel}: no SPDX line at the top")
        includes = INCLUDE.findall(text)
        if os.path.dirname(path) == engine:
            for kind, name in includes:
                own = kind == '"' and os.path.exists(os.path.join(engine, name))
                if not own and not (kind == "<" and name in C11_HEADERS):
                    problems.append(f"{rel}: includes {kind}{name}: the engine takes only its own headers and the C library's")
        stem = os.path.splitext(os.path.basename(path))[0]
        for kind, name in includes:
            other = os.path.splitext(os.path.basename(name))[0]
            if kind == '"' and other in stems and other != stem:
                deps.setdefault(stem, set()).add(other)

    # A loop: depth-first search, reporting the first cycle through each module.
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(deps.get(m, ())):
            if state.get(n) == "open":
                problems.append("calls go round in a loop: " + " -> ".join(stack[stack.index(n):] + [n]))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(stems):
        if m not in state:
            visit(m)

    for p in problems:
        print(p)
    print(f"{len(files)} files, {sum(len(v) for v in deps.values())} module dependencies, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
