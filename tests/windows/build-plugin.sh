#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build hs.dll from this source for Windows Wireshark X.Y, against the cross
# build of tests/windows/build-wireshark.sh X.Y and its WiresharkConfig.cmake,
# with the MinGW-w64 UCRT toolchain (tests/windows/mingw-ucrt64.cmake); check
# its imports and exports (check_dll.py).  Needs root (the chroot).
# The last line printed is the DLL's path.
#
#   tests/windows/build-plugin.sh X.Y
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/windows/common.sh

[ $# -eq 1 ] || { echo "usage: $0 X.Y" >&2; exit 2; }
win_need_root "$@"
win_tshark_built "$1" || win_die "no Windows Wireshark $1 yet: run tests/windows/build-wireshark.sh $1 first"
win_chroot ensure
win_chroot run . -- bash tests/windows/plugin-build.sh "$1" >&2
win_host_path "$WIN_TOP/out/$1/hs.dll"
