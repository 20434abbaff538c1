#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One installed copy: a root install (setup.sh as root, or the .deb: the
# global plugin folder) and a user install (setup.sh as that user: the
# personal folder) side by side, for real.  Creates a user with its own
# HOME, gives it and root each a copy of the source tree, and checks after
# every step which hs.so files exist, what setup.sh said, and that tshark
# run as that user (root ignores personal plugin folders) loads the plugin
# once, without "The plugin 'hs.so' was found in multiple directories":
#
#   A  root, then the user:      the user's setup.sh refuses, names the global copy
#   B  the user, then sudo root: the global install replaces that user's copy
#   C  the user, then root:      root's setup.sh names the user's copy and the rm
#   D  the user, then the .deb:  postinst names the user's copy; setup.sh then
#                                refuses and names the package; cmake --install
#                                as root refuses to overwrite the package's file
#   E  HS_INSTALL_DIR elsewhere: setup.sh installs, sees tshark not load it,
#                                fails and names the folders tshark reads
#
# and that each uninstall (the uninstall target, apt-get remove) leaves no copy.
# Needs root; used by .ci/run.  Ends with "N passed, N failed".
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "check-installs.sh needs root"; exit 1; }
cd "$(dirname "$0")/.."
src=$(pwd)
USER_NAME=hs-install-check
T=$(mktemp -d /tmp/hs-installs.XXXXXX)
chmod 755 "$T"
H=$T/home
global=$(tshark -G folders 2>/dev/null | awk -F'\t' '/^Global Plugins:/ {print $2}')/epan
ver=$(basename "$(dirname "$global")")
G=$global/hs.so
P=$H/.local/lib/wireshark/plugins/$ver/epan/hs.so
PKG=wireshark-plugin-handshake
lock=(-o DPkg::Lock::Timeout=300)
passed=0 failed=0

cleanup() {
    apt-get remove -y -qq "${lock[@]}" "$PKG" >/dev/null 2>&1 || true
    [ -n "${created_global:-}" ] && rm -f "$G"
    userdel "$USER_NAME" >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT

if [ -e "$G" ]; then
    echo "$G exists before the check (installed on this machine): not touching it"; exit 1
fi
if dpkg-query -W "$PKG" >/dev/null 2>&1; then
    echo "$PKG is installed on this machine: not touching it"; exit 1
fi
created_global=1
userdel "$USER_NAME" >/dev/null 2>&1 || true
useradd -M -d "$H" -s /bin/sh "$USER_NAME"
mkdir -p "$H"

ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
check() {  # DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
said() { grep -qF -- "$2" "$T/$1.out"; }       # STEP TEXT: that step's output says TEXT
as_user() { runuser -u "$USER_NAME" -- env -i PATH=/usr/bin:/bin HOME="$H" LANG=C.UTF-8 "$@"; }

step() {  # NAME WHO EXPECTED-EXIT COMMAND...: run in WHO's source copy, keep its output
    local name=$1 who=$2 want=$3 rc
    shift 3
    echo "--- $name ($who): $*"
    if [ "$who" = root ]; then
        (cd "$T/src-root" && env -u SUDO_USER "$@") >"$T/$name.out" 2>&1
    else
        (cd "$T/src-user" && as_user "$@") >"$T/$name.out" 2>&1
    fi
    rc=$?
    sed 's/^/    | /' "$T/$name.out" | grep -v '^    | \[' | tail -25
    if [ "$want" = ok ]; then check "$name exits 0" test "$rc" -eq 0
    else check "$name fails (exit $rc)" test "$rc" -ne 0; fi
}

tshark_plugins() {  # which hs.so the user's tshark loads; a warning is a failure
    as_user tshark -G plugins >"$T/plugins.out" 2>"$T/plugins.err"
    if grep -q "multiple directories" "$T/plugins.err"; then
        echo "WARNED"
    else
        awk -F'\t' '$1 ~ /^hs\.so/ {print $4}' "$T/plugins.out"
    fi
}
loads() {  # EXPECTED: /path/hs.so, "none" or WARNED
    local got
    got=$(tshark_plugins)
    check "the user's tshark: ${1} (got: ${got:-none})" test "${got:-none}" = "$1"
}
exists() { check "$1 exists" test -e "$1"; }
absent() { check "$1 absent" test ! -e "$1"; }

# Each its own copy of the tree, as a user's checkout and root's would be.
for who in root user; do
    mkdir "$T/src-$who"
    tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$T/src-$who" -xf -
done
chown -R "$USER_NAME" "$T/src-user" "$H"

echo "=== A: root installs, then the user"
step A1-root-setup root ok ./setup.sh
exists "$G"
step A2-user-setup user fail ./setup.sh
check "A2 names the global copy" said A2-user-setup "Handshake is already installed for everyone: $G"
check "A2 says what to do" said A2-user-setup "sudo rm $G"
absent "$P"
loads "$G"
step A3-root-uninstall root ok cmake --build build --target uninstall
absent "$G"
loads none

echo "=== B: the user installs, then root through sudo"
step B1-user-setup user ok ./setup.sh
exists "$P"
loads "$P"
step B2-sudo-setup root ok env SUDO_USER="$USER_NAME" ./setup.sh
check "B2 says it removed the user's copy" said B2-sudo-setup "removed your personal copy $P"
exists "$G"
absent "$P"
loads "$G"
step B3-root-uninstall root ok cmake --build build --target uninstall
absent "$G"

echo "=== C: the user installs, then root (not through sudo)"
step C1-user-setup user ok ./setup.sh
step C2-root-setup root ok ./setup.sh
check "C2 names the user's copy and its rm" said C2-root-setup "until $USER_NAME removes it:  rm $P"
exists "$P"
loads WARNED
step C3-user-uninstall user ok cmake --build build --target uninstall
absent "$P"
loads "$G"
step C4-root-uninstall root ok cmake --build build --target uninstall
absent "$G"
loads none

echo "=== D: the user installs, then root installs the .deb"
step D1-user-setup user ok ./setup.sh
step D2-cpack root ok sh -c 'cd build && rm -f wireshark-plugin-handshake_*.deb && cpack -G DEB'
deb=$(ls "$T"/src-root/build/wireshark-plugin-handshake_*.deb 2>/dev/null | head -1)
step D3-deb-install root ok apt-get install -y "${lock[@]}" "$deb"
check "D3 postinst names the user's copy" said D3-deb-install "until $USER_NAME removes it:  rm $P"
loads WARNED
step D4-user-uninstall user ok cmake --build build --target uninstall
absent "$P"
loads "$G"
step D5-user-setup user fail ./setup.sh
check "D5 names the package" said D5-user-setup "sudo apt-get remove $PKG"
absent "$P"
loads "$G"
step D6-root-install root fail cmake --install build
check "D6 refuses to overwrite the package's file" said D6-root-install "belongs to the Debian package $PKG"
step D7-root-uninstall root ok cmake --build build --target uninstall
check "D7 leaves the package's file to the package" said D7-root-uninstall "belongs to the Debian package $PKG"
exists "$G"
step D8-deb-remove root ok apt-get remove -y "${lock[@]}" "$PKG"
absent "$G"
absent "$P"
loads none

# E  an install folder tshark does not read: setup.sh fails and says why
E=$H/elsewhere
step E1-user-setup-elsewhere user fail env HS_INSTALL_DIR="$E" ./setup.sh
check "E1 names the folder it installed in" said E1-user-setup-elsewhere "hs.so is installed in $E, but tshark does not load it from there"
check "E1 names the folder tshark reads" said E1-user-setup-elsewhere "Personal Plugins: $(dirname "$P")"
step E2-root-setup-elsewhere root fail env HS_INSTALL_DIR="$T/root-elsewhere" ./setup.sh
check "E2 says root reads the global folder only" said E2-root-setup-elsewhere "Global Plugins: $global"
step E3-user-uninstall user ok cmake --build build --target uninstall
step E4-root-uninstall root ok cmake --build build --target uninstall
absent "$E/hs.so"
absent "$T/root-elsewhere/hs.so"
loads none

echo "installs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
