#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Windows release zip of hs.dll for one Wireshark version:
hs-<version>-wireshark-X.Y-windows-x64.zip with hs.dll, hs-conn-log, the
licence and INSTALL.txt (where the DLL goes, how to check that it loaded).

usage: package.py HS_DLL X.Y OUT_DIR     (tests/windows/release.sh runs it)
"""
import os
import re
import sys
import zipfile

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

INSTALL = """Handshake {version}: a Wireshark plugin for TCP connection lifecycles
Built for Wireshark {ws}.x on 64-bit Windows (x64).  It loads only into
Wireshark {ws}: check Help > About Wireshark for the version.

Install for yourself:
  1. Quit Wireshark.
  2. Copy hs.dll into
       %APPDATA%\\Wireshark\\plugins\\{ws}\\epan
     (paste that into the Explorer address bar; create the folders that are
     missing).  For every user of the machine, the global folder instead:
       C:\\Program Files\\Wireshark\\plugins\\{ws}\\epan
  3. Start Wireshark.

Check that it loaded:
  Help > About Wireshark > Plugins lists hs.dll (type: dissector), or in a
  command prompt:
    "C:\\Program Files\\Wireshark\\tshark.exe" -G plugins | findstr hs.dll
  Help > About Wireshark > Folders shows the personal and global plugin folders.

hs-conn-log (Zeek-format connection logs for many captures) needs Python 3
and the path of tshark.exe (tested on Linux only):
    py hs-conn-log --tshark "C:\\Program Files\\Wireshark\\tshark.exe" capture.pcapng

Remove: delete hs.dll from the folder you put it in.
Source, documentation and licence (GPL-2.0-or-later): the project's README.
"""


def project_version():
    text = open(os.path.join(SRC, "CMakeLists.txt")).read()
    return re.search(r"project\(handshake VERSION ([0-9.]+)", text).group(1)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    dll, ws, out = sys.argv[1:]
    version = project_version()
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"hs-{version}-wireshark-{ws}-windows-x64.zip")
    top = f"hs-{version}-wireshark-{ws}-windows-x64/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(dll, top + "hs.dll")
        z.write(os.path.join(SRC, "tools", "hs-conn-log"), top + "hs-conn-log")
        z.write(os.path.join(SRC, "LICENSE"), top + "LICENSE.txt")
        z.writestr(top + "INSTALL.txt", INSTALL.format(version=version, ws=ws).replace("\n", "\r\n"))
    print(path)


if __name__ == "__main__":
    sys.exit(main())
