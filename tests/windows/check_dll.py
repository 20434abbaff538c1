#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check hs.dll's imports and exports with objdump, so that it loads into the
official Windows Wireshark X.Y and not only into the test build.

usage: check_dll.py HS_DLL X.Y

Imports: the DLLs of the official installer under their names there, the
Universal C Runtime and Windows itself; nothing else.  The names, read in
Wireshark 4.0.17's own packaging files:
  packaging/nsis/wireshark.nsi   File "${STAGING_DIR}\\libwireshark.dll" (and libwsutil.dll)
  cmake/modules/FindGLIB2.cmake  "${GLIB2_DLL_DIR_RELEASE}/glib-2.0-0.dll" (vcpkg's GLib,
                                 the GLIB2_DLLS_RELEASE the installers copy)
4.4 and 4.6 keep both (their vcpkg exports of 2024 and 2025, same FindGLIB2
list).  msvcrt.dll (the old C runtime), libgcc_s_seh-1.dll and
libwinpthread-1.dll (MinGW's runtime DLLs) are not installed by Wireshark: a
plugin needing them does not load.  MinGW's libglib-2.0-0.dll is the wrong
name for the same GLib.

Exports: Wireshark's loader looks up plugin_version, plugin_want_major,
plugin_want_minor and plugin_register; 4.2 and later also plugin_describe.
"""
import re
import subprocess
import sys

OBJDUMP = "x86_64-w64-mingw32ucrt-objdump"
OFFICIAL = {"libwireshark.dll", "libwsutil.dll", "glib-2.0-0.dll"}
SYSTEM = re.compile(r"^(kernel32\.dll|api-ms-win-crt-[a-z0-9-]+\.dll)$", re.I)
REQUIRED_EXPORTS = {"plugin_version", "plugin_want_major", "plugin_want_minor", "plugin_register"}


def objdump(path):
    return subprocess.run([OBJDUMP, "-p", path], check=True, capture_output=True, text=True).stdout


def imports(text):
    return [m.group(1) for m in re.finditer(r"^\s*DLL Name: (\S+)", text, re.M)]


def exports(text):
    """Names of the export name table ('[Ordinal/Name Pointer] Table' lines)."""
    part = text.split("[Ordinal/Name Pointer] Table", 1)
    if len(part) < 2:
        return set()
    names = set()
    for line in part[1].splitlines()[1:]:
        if not line.strip():
            break
        m = re.match(r"^\s*\[\s*\d+\].*\s(\S+)\s*$", line)   # [   0] +base[   1]  0000 plugin_register
        if m:
            names.add(m.group(1))
    return names


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, ver = sys.argv[1], sys.argv[2]
    major, minor = (int(x) for x in ver.split("."))
    text = objdump(path)
    failures = []
    imp = imports(text)
    for name in imp:
        if name.lower() not in OFFICIAL and not SYSTEM.match(name):
            failures.append(f"imports {name}: not shipped by the official Wireshark {ver} installer")
    for name in ("libwireshark.dll", "libwsutil.dll"):
        if name not in imp:
            failures.append(f"does not import {name}")
    want = set(REQUIRED_EXPORTS)
    if (major, minor) >= (4, 2):
        want.add("plugin_describe")
    exp = exports(text)
    for name in sorted(want - exp):
        failures.append(f"does not export {name}")
    extra = exp - want - {"plugin_describe"}
    if extra:
        failures.append(f"exports {len(extra)} names besides the plugin interface: "
                        f"{', '.join(sorted(extra)[:5])}{' ...' if len(extra) > 5 else ''}")
    print(f"{path}: imports {', '.join(imp)}")
    shown = sorted(exp)
    print(f"{path}: exports {', '.join(shown[:12])}{' ...' if len(shown) > 12 else ''}")
    for f in failures:
        print(f"FAIL: {f}")
    print(f"check_dll: {'ok' if not failures else 'FAILED'} for Wireshark {ver}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
