# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared by tests/windows/*.sh (sourced, from the top of the repository).
#
# Everything Windows happens in a Debian sid chroot of its own, made and
# cached by .ci/chroot.sh like the 4.4 and 4.6 test chroots: sid has the
# MinGW-w64 cross compiler for the Universal C Runtime and Wine.  Inside it,
# /opt/hs-win holds the sources, the cross-built libraries and the Windows
# tshark builds (tests/windows/cross-build.sh); they stay between runs.

HS_WINDOWS_CACHE="${HS_WINDOWS_CACHE:-/var/cache/handshake-windows}"
readonly HS_WINDOWS_CACHE
readonly WIN_SUITE=sid
readonly WIN_TOP=/opt/hs-win        # inside the chroot
readonly WIN_PACKAGES="gcc-mingw-w64-ucrt64 g++-mingw-w64-ucrt64 mingw-w64-ucrt64-dev wine64 meson ninja-build flex bison perl curl xz-utils bzip2 autoconf automake libtool libltdl-dev patch libz-mingw-w64-dev gettext"

win_log() { printf 'windows: %s\n' "$*" >&2; }
win_die() { printf 'windows: error: %s\n' "$*" >&2; exit 1; }

win_need_root() {
    [ "$(id -u)" -eq 0 ] || win_die "must run as root (the chroot needs it); as a user: sudo $0 $*"
}

# .ci/chroot.sh on the Windows chroot: win_chroot ensure | run SRC -- CMD...
win_chroot() {
    local cmd=$1; shift
    HS_CHROOT_CACHE="$HS_WINDOWS_CACHE" HS_CHROOT_EXTRA_PACKAGES="$WIN_PACKAGES" \
        .ci/chroot.sh "$cmd" "$WIN_SUITE" "$@"
}

# The chroot folder on the host, and a path inside it seen from the host.
win_root() { echo "$HS_WINDOWS_CACHE/$WIN_SUITE"; }
win_host_path() { echo "$(win_root)$1"; }

# "4.0" -> 0 when its Windows tshark was built (tests/windows/build-wireshark.sh).
win_tshark_built() { [ -f "$(win_host_path "$WIN_TOP/wireshark-$1/.built")" ]; }
