#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One-step set-up on Debian or Ubuntu: install the build dependencies, build
# the plugin, install it, and show it at work on the bundled seed capture.
#
# The plugin goes to your personal plugin folder
# (~/.local/lib/wireshark/plugins/X.Y/epan).  Wireshark ignores personal
# plugin folders when run as root, so as root it goes to the global folder
# instead (override either with HS_INSTALL_DIR=/some/dir).
#
# One copy at a time: Wireshark reads the global folder first and warns "The
# plugin 'hs.so' was found in multiple directories" on every start when the
# personal one holds it too.  So `cmake --install` (cmake/HsInstallCheck.cmake)
# refuses a personal install while a global copy exists, saying how to remove
# that one; a global install through sudo replaces the personal copy of the
# user who ran it, and names any other user's personal copy.
set -euo pipefail
cd "$(dirname "$0")"

packages="cmake gcc make libc6-dev pkg-config python3 tshark wireshark-dev libwireshark-dev libglib2.0-dev"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=$(dpkg-query -W -f='${Status} ${Package}\n' $packages 2>/dev/null | grep -vc '^install ok installed' || true)
if [ "$missing" != 0 ] || ! command -v tshark >/dev/null; then
    echo "== installing build dependencies: $packages"
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
fi

install_dir_arg=()
if [ -n "${HS_INSTALL_DIR:-}" ]; then
    install_dir_arg=(-DHS_INSTALL_DIR="$HS_INSTALL_DIR")
elif [ "$(id -u)" -eq 0 ]; then
    # Root: the global plugin folder of this Wireshark (tshark -G folders).
    global=$(tshark -G folders 2>/dev/null | awk -F'\t' '/^Global Plugins:/ {print $2}')
    install_dir_arg=(-DHS_INSTALL_DIR="$global/epan")
fi

echo "== building"
cmake -S . -B build "${install_dir_arg[@]}" >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "== installing"
cmake --install build | grep -v '^-- Install configuration'
# A folder Wireshark does not read (HS_INSTALL_DIR elsewhere, or root with a
# personal folder: as root Wireshark reads the global folder only) would
# leave the seed below without labels and no word why.
if ! tshark -G plugins 2>/dev/null | awk -F'\t' '$1 ~ /^hs\.so/ { found = 1 } END { exit !found }'; then
    dir=$(sed -n 's/^HS_INSTALL_DIR:[A-Z]*=//p' build/CMakeCache.txt)
    echo "setup.sh: hs.so is installed in $dir, but tshark does not load it from there." >&2
    echo "tshark reads plugins from (tshark -G folders):" >&2
    pattern='Plugins:'
    [ "$(id -u)" -ne 0 ] || pattern='^Global Plugins:'   # root: personal folders are ignored
    tshark -G folders 2>/dev/null | awk -F'\t' -v p="$pattern" '$0 ~ p && !/Lua/ { sub(/ +$/, "", $1); print "  " $1 " " $2 "/epan" }' >&2
    echo "Run again without HS_INSTALL_DIR, or with that folder; 'cmake --build build --target uninstall' removes this copy." >&2
    exit 1
fi
echo "== tshark -r captures/seed-handshake.pcap"
tshark -r captures/seed-handshake.pcap 2>&1 | grep -v 'Running as user "root"'
