#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Windows tests: hs.dll built from this source (plugin-build.sh, with its
# import and export checks), loaded by the Windows tshark X.Y of
# tests/windows/build-wireshark.sh under Wine (a throwaway prefix, no
# display), on the seed and the golden captures: the -T fields goldens,
# -z hs,tree, -z hs,conn and -2 with hs.two_pass, against the Linux expected
# files.  Ends with "N passed, N failed".  Needs root (the chroot).
#
#   tests/windows/run.sh X.Y [TEST_NAME_REGEX]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/windows/common.sh

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 X.Y [TEST_NAME_REGEX]" >&2; exit 2; }
win_need_root "$@"
win_tshark_built "$1" || win_die "no Windows Wireshark $1 yet: run tests/windows/build-wireshark.sh $1 first"
win_chroot ensure
win_chroot run . -- sh -c 'bash tests/windows/plugin-build.sh "$1" &&
    python3 -u tests/windows/wine_tests.py "$1" "/opt/hs-win/out/$1/hs.dll" ${2:+"$2"}' run "$@"
