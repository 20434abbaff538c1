#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cross-build a Windows (x64, UCRT) tshark of Wireshark X.Y, to test hs.dll in
# it under Wine (tests/windows/run.sh).  Needs root; first run about 16 min on
# 2 cores (README, "Windows"), later runs do nothing.
#
#   tests/windows/build-wireshark.sh X.Y
#
# In the Windows chroot (tests/windows/common.sh) cross-build.sh builds, from
# Debian's source tarballs: GLib with PCRE2, libffi and a no-op libintl, c-ares,
# libgpg-error and libgcrypt, then Wireshark's libwsutil, libwiretap,
# libwireshark and tshark.exe (no Qt, no capture, no Lua), and installs them
# with Wireshark's own WiresharkConfig.cmake into /opt/hs-win/wireshark-X.Y.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/windows/common.sh

[ $# -eq 1 ] || { echo "usage: $0 X.Y   (4.0; 4.4 and 4.6 when their sources can be fetched)" >&2; exit 2; }
win_need_root "$@"
t0=$SECONDS
win_chroot ensure
win_chroot run . -- bash tests/windows/cross-build.sh "$1"
win_log "Windows tshark $1 ready in $(win_host_path "$WIN_TOP/wireshark-$1") ($((SECONDS - t0)) s)"
