#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the .deb from BUILD_DIR, install it, check that tshark loads hs.so
# from the global plugin folder (as root, which reads global plugins only),
# then remove the package again.  Needs root; used by .ci/run.
set -euo pipefail
build="${1:-build}"
[ "$(id -u)" -eq 0 ] || { echo "check-deb.sh needs root"; exit 1; }
(cd "$build" && rm -f wireshark-plugin-handshake_*.deb && cpack -G DEB >/dev/null)
deb=$(ls "$build"/wireshark-plugin-handshake_*.deb)
dpkg-deb -I "$deb" | grep -E '^ (Package|Version|Depends):'
lock=(-o DPkg::Lock::Timeout=300)     # wait for another apt/dpkg instead of failing
trap 'apt-get remove -y -qq "${lock[@]}" wireshark-plugin-handshake >/dev/null 2>&1 || true' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${lock[@]}" "$(readlink -f "$deb")" >/dev/null
global=$(tshark -G folders 2>/dev/null | awk -F'\t' '/^Global Plugins:/ {print $2}')
ls -l "$global/epan/hs.so" /usr/bin/hs-conn-log
if tshark -G plugins 2>/dev/null | grep -E '^hs\.so' ; then
    echo "the .deb installs and tshark loads hs.so from $global/epan"
else
    echo "tshark does not list hs.so after installing $deb"; exit 1
fi
tshark -r captures/seed-handshake.pcap -Y 'hs.step == 3' 2>/dev/null | grep 'ACK(y+1)' >/dev/null
