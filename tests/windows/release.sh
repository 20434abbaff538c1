#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Windows release zip for Wireshark X.Y: hs.dll built and checked by
# build-plugin.sh, with hs-conn-log, the licence and INSTALL.txt, in OUT_DIR
# (default: build-windows).  Needs root (the chroot).
#
#   tests/windows/release.sh X.Y [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { echo "usage: $0 X.Y [OUT_DIR]" >&2; exit 2; }
dll=$(tests/windows/build-plugin.sh "$1" | tail -n1)
python3 tests/windows/package.py "$dll" "$1" "${2:-build-windows}"
