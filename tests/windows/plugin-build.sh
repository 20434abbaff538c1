#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Inside the Windows chroot: build hs.dll from this source tree for the Windows
# Wireshark X.Y of cross-build.sh, with its own WiresharkConfig.cmake, check
# its imports and exports (check_dll.py) and put it in /opt/hs-win/out/X.Y/.
#   tests/windows/plugin-build.sh X.Y
set -euo pipefail
readonly TOP=/opt/hs-win VER=${1:?usage: plugin-build.sh X.Y}
[ -f "$TOP/wireshark-$VER/.built" ] || { echo "plugin-build: no Windows Wireshark $VER in $TOP" >&2; exit 1; }
build=$(mktemp -d /tmp/hs-dll.XXXXXX)
trap 'rm -rf "$build"' EXIT
cmake -G Ninja -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/tests/windows/mingw-ucrt64.cmake" \
    -DHS_WIN_PREFIX="$TOP/deps" -DWireshark_DIR="$TOP/wireshark-$VER/cmake" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHS_BUILD_TESTS=OFF >"$build.log" 2>&1 \
    || { cat "$build.log" >&2; exit 1; }
ninja -C "$build" hs >>"$build.log" 2>&1 || { cat "$build.log" >&2; exit 1; }
grep -E 'warning|error' "$build.log" >&2 || true
dll=$(find "$build/plugins" -name hs.dll)
[ -n "$dll" ] || { echo "plugin-build: no hs.dll under $build/plugins" >&2; exit 1; }
python3 tests/windows/check_dll.py "$dll" "$VER"
mkdir -p "$TOP/out/$VER"
cp "$dll" "$TOP/out/$VER/hs.dll"
echo "$TOP/out/$VER/hs.dll"
