#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Inside the Windows chroot (tests/windows/build-wireshark.sh runs it there):
# cross-build a Windows tshark X.Y and the libraries it needs, each once.
#
#   /opt/hs-win/src             source tarballs, checked against their SHA-256
#   /opt/hs-win/deps            GLib and the rest (shared by every X.Y)
#   /opt/hs-win/wireshark-X.Y   tshark.exe, the DLLs, headers, WiresharkConfig.cmake
#   /opt/hs-win/logs            one log a stage; the last lines shown on failure
#
# A stage that finished leaves a stamp and is skipped next time.
set -euo pipefail
shopt -s inherit_errexit   # a failure inside $(...) stops the script too

readonly TOP=/opt/hs-win
readonly SRC=$TOP/src BLD=$TOP/build DEPS=$TOP/deps LOGS=$TOP/logs
readonly T=x86_64-w64-mingw32ucrt
readonly POOL="${HS_DEBIAN_POOL:-http://deb.debian.org/debian/pool/main}"
readonly HERE="$(cd "$(dirname "$0")" && pwd)"
readonly JOBS="$(nproc 2>/dev/null || echo 2)"

# name  version  tarball in Debian's pool  SHA-256.  Debian's own upstream
# tarballs (the .orig of a source package): the only source this machine
# reaches.  The versions are those the mirror still has, mostly trixie's.
readonly SOURCES="
pcre2      10.46   p/pcre2/pcre2_10.46.orig.tar.gz                    8d28d7f2c3b970c3a4bf3776bcbb5adfc923183ce74bc8df1ebaad8c1985bd07
libffi     3.4.8   libf/libffi/libffi_3.4.8.orig.tar.gz               cbb7f0b3b095dc506387ec1e35b891bfb4891d05b90a495bc69a10f2293f80ff
glib       2.84.4  g/glib2.0/glib2.0_2.84.4.orig.tar.xz               8a9ea10943c36fc117e253f80c91e477b673525ae45762942858aef57631bb90
c-ares     1.34.5  c/c-ares/c-ares_1.34.5.orig.tar.gz                 7d935790e9af081c25c495fd13c2cfcda4792983418e96358ef6e7320ee06346
gpg-error  1.51    libg/libgpg-error/libgpg-error_1.51.orig.tar.bz2   be0f1b2db6b93eed55369cdf79f19f72750c8c7c39fc20b577e724545427e6b2
gcrypt     1.11.0  libg/libgcrypt20/libgcrypt20_1.11.0.orig.tar.bz2   09120c9867ce7f2081d6aaa1775386b98c2f2f246135761aae47d81f58685b9c
ws-4.0     4.0.17  w/wireshark/wireshark_4.0.17.orig.tar.bz2          62fd1491b6211d1651a16a45ead15808970b3a6a9ebde2537f96722af47aaaa5
ws-4.4     4.4.19  w/wireshark/wireshark_4.4.19.orig.tar.xz           -
ws-4.6     4.6.9   w/wireshark/wireshark_4.6.9.orig.tar.xz            -
"

log() { printf 'cross-build: %s\n' "$*" >&2; }
die() { printf 'cross-build: error: %s\n' "$*" >&2; exit 1; }

source_field() { # NAME FIELD(2..4)
    awk -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$SOURCES"
}

# fetch NAME -> the tarball's path, downloaded once and checked.
fetch() {
    local name=$1 path sum file
    path=$(source_field "$name" 3); sum=$(source_field "$name" 4)
    [ -n "$path" ] || die "no source listed for $name"
    file=$SRC/$(basename "$path")
    if [ ! -f "$file" ]; then
        mkdir -p "$SRC"
        local code
        code=$(curl -sS -L --retry 3 -o "$file.part" -w '%{http_code}' "$POOL/$path") || code=000
        if [ "$code" != 200 ]; then
            rm -f "$file.part"
            die "$name: GET $POOL/$path: HTTP $code (the mirror does not have this source)"
        fi
        mv "$file.part" "$file"
    fi
    if [ "$sum" != - ]; then
        echo "$sum  $file" | sha256sum -c --quiet - >&2 || die "$name: $file does not match its SHA-256"
    fi
    echo "$file"
}

# unpack NAME -> a fresh source tree under $BLD, patched with patches/<dir>/.
unpack() {
    local name=$1 tarball dir top p
    tarball=$(fetch "$name") || exit 1
    dir=$BLD/$name
    rm -rf "$dir"; mkdir -p "$dir"
    tar -C "$dir" -xf "$tarball"
    top=$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n1)
    for p in "$HERE/patches/$(basename "$top" | sed 's/^wireshark-v/wireshark-/')"/*.patch; do
        [ -f "$p" ] || continue
        patch -d "$top" -p1 -s < "$p" || die "$name: $(basename "$p") does not apply"
    done
    echo "$top"
}

# stage NAME STAMP FUNCTION: FUNCTION SRC_TREE once; its output in $LOGS/NAME.log.
stage() {
    local name=$1 stamp=$2 fn=$3 t=$SECONDS tree
    if [ -f "$stamp" ]; then
        log "$name: already built"
        return 0
    fi
    mkdir -p "$LOGS"
    log "$name $(source_field "$name" 2): building (log: $LOGS/$name.log)"
    tree=$(unpack "$name") || exit 1
    if ! ( cd "$tree" && "$fn" ) >"$LOGS/$name.log" 2>&1; then
        tail -n 30 "$LOGS/$name.log" >&2
        die "$name failed after $((SECONDS - t)) s"
    fi
    mkdir -p "$(dirname "$stamp")"
    echo "$(source_field "$name" 2) $((SECONDS - t))s $(date -u +%FT%TZ)" > "$stamp"
    log "$name: done in $((SECONDS - t)) s"
}

cmake_cross() { # SOURCE_DIR [ARGS...]: configure into ./_b
    cmake -G Ninja -S "$1" -B _b -DCMAKE_TOOLCHAIN_FILE="$HERE/mingw-ucrt64.cmake" \
        -DHS_WIN_PREFIX="$DEPS" -DCMAKE_INSTALL_PREFIX="$DEPS" -DCMAKE_BUILD_TYPE=Release "${@:2}"
}

# Autotools: --host=x86_64-w64-mingw32 (what config.sub knows) with the UCRT
# tools named one by one.
autotools_cross() {
    ../configure --host=x86_64-w64-mingw32 --prefix="$DEPS" --disable-static --enable-shared \
        CC=$T-gcc AR=$T-ar RANLIB=$T-ranlib RC=$T-windres WINDRES=$T-windres OBJDUMP=$T-objdump \
        DLLTOOL=$T-dlltool NM=$T-nm STRIP=$T-strip CPPFLAGS="-I$DEPS/include" LDFLAGS="-L$DEPS/lib" "$@"
}

build_intl() {
    mkdir -p "$DEPS/lib" "$DEPS/include"
    $T-gcc -O2 -c "$HERE/intl-stub.c" -I"$HERE" -o intl-stub.o
    $T-ar rcs "$DEPS/lib/libintl.a" intl-stub.o
    cp "$HERE/libintl.h" "$DEPS/include/libintl.h"
}

build_pcre2() {
    cmake_cross . -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF -DPCRE2_BUILD_PCRE2GREP=OFF \
        -DPCRE2_BUILD_TESTS=OFF -DPCRE2_SUPPORT_JIT=ON -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF
    ninja -C _b -j "$JOBS" install
}

build_libffi() {
    # Debian's libffi tarball is the git tree: no configure script yet
    # (autoreconf needs libltdl-dev's ltdl.m4 for LT_SYS_SYMBOL_USCORE).
    autoreconf -fi
    mkdir _b && cd _b
    autotools_cross --disable-docs --disable-multi-os-directory
    make -j "$JOBS" && make install
}

build_glib() {
    meson setup _b --cross-file "$TOP/mingw-ucrt64.meson" --prefix="$DEPS" --buildtype=release \
        --wrap-mode=nodownload -Ddefault_library=shared -Dtests=false -Dinstalled_tests=false \
        -Dintrospection=disabled -Dnls=disabled -Dman-pages=disabled -Ddocumentation=false \
        -Dsysprof=disabled -Dlibelf=disabled -Dselinux=disabled -Dxattr=false -Dlibmount=disabled \
        -Ddtrace=disabled -Dsystemtap=disabled -Dglib_debug=disabled
    ninja -C _b -j "$JOBS" install
}

build_c_ares() {
    cmake_cross . -DCARES_SHARED=ON -DCARES_STATIC=OFF -DCARES_BUILD_TOOLS=OFF -DCARES_BUILD_TESTS=OFF
    ninja -C _b -j "$JOBS" install
}

build_gpg_error() {
    mkdir _b && cd _b
    autotools_cross --disable-doc --disable-tests --disable-languages
    make -j "$JOBS" && make install
}

build_gcrypt() {
    mkdir _b && cd _b
    autotools_cross --disable-doc --with-libgpg-error-prefix="$DEPS" GPGRT_CONFIG="$DEPS/bin/gpgrt-config"
    make -j "$JOBS" && make install
}

# Windows headers are spelled with capitals in Wireshark (<Windows.h>), in
# lower case in MinGW's include folder: a folder of links for a case-sensitive
# file system.
case_links() { # SOURCE_TREE DEST
    local inc=/usr/$T/include h l
    mkdir -p "$2"
    grep -rhoE '#\s*include\s*<[A-Za-z0-9_/]*[A-Z][A-Za-z0-9_/]*\.h>' "$1" \
        --include='*.c' --include='*.h' --include='*.cpp' | sed -E 's/.*<(.*)>/\1/' | sort -u |
    while read -r h; do
        l=$(tr 'A-Z' 'a-z' <<<"$h")
        if [ ! -e "$inc/$h" ] && [ -e "$inc/$l" ]; then
            mkdir -p "$2/$(dirname "$h")"
            ln -sf "$inc/$l" "$2/$h"
        fi
    done
}

build_wireshark() {
    local off=() o
    # Only what tshark and a dissector plugin need.
    for o in wireshark logray rawshark dumpcap text2pcap mergecap reordercap editcap capinfos captype \
             randpkt dftest dcerpcidl2wrs androiddump sshdump ciscodump dpauxmon randpktdump wifidump \
             udpdump sharkd mmdbresolve etwdump; do off+=("-DBUILD_$o=OFF"); done
    for o in PCAP ZLIB MINIZIP LZ4 BROTLI SNAPPY ZSTD NGHTTP2 LUA SMI GNUTLS KERBEROS SBC SPANDSP BCG729 \
             ILBC LIBXML2 OPUS SINSP WERROR DEBUG; do off+=("-DENABLE_$o=OFF"); done
    case_links . _case
    # MSYSTEM: Wireshark's own switch for MinGW builds with system libraries
    # instead of its MSVC third-party bundle.
    MSYSTEM=MINGW64 PKG_CONFIG_LIBDIR="$DEPS/lib/pkgconfig:/usr/$T/lib/pkgconfig" \
    cmake -G Ninja -S . -B _b -DCMAKE_TOOLCHAIN_FILE="$HERE/mingw-ucrt64.cmake" -DHS_WIN_PREFIX="$DEPS" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS="-isystem $PWD/_case" \
        -DCMAKE_INSTALL_PREFIX="$TOP/wireshark-$VER" -DBUILD_tshark=ON -DENABLE_PLUGINS=ON "${off[@]}"
    # lemon.exe runs under Wine while building: a prefix of its own.
    WINEPREFIX=$TOP/wine-build WINEDEBUG=-all ninja -C _b -j "$JOBS" install
}

main() {
    [ $# -eq 1 ] || die "usage: cross-build.sh X.Y"
    VER=$1
    [ -n "$(source_field "ws-$VER" 2)" ] || die "no Windows build for Wireshark $VER (4.0, 4.4 or 4.6)"
    command -v $T-gcc >/dev/null || die "$T-gcc missing: run through tests/windows/build-wireshark.sh"
    ln -sf "$(command -v wine64 || command -v wine)" /usr/local/bin/wine   # CMake's emulator
    mkdir -p "$TOP"
    cat > "$TOP/mingw-ucrt64.meson" <<EOF
[binaries]
c = '$T-gcc'
cpp = '$T-g++'
ar = '$T-ar'
strip = '$T-strip'
windres = '$T-windres'
pkg-config = 'pkg-config'

[properties]
pkg_config_libdir = ['$DEPS/lib/pkgconfig', '/usr/$T/lib/pkgconfig']

[built-in options]
c_args = ['-I$DEPS/include']
c_link_args = ['-L$DEPS/lib']
cpp_args = ['-I$DEPS/include']
cpp_link_args = ['-L$DEPS/lib']

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
EOF
    local s
    # Wireshark's own source first: no point building the rest without it.
    fetch "ws-$VER" >/dev/null
    # the no-op libintl has no tarball: a stage of its own
    if [ ! -f "$DEPS/.built/intl" ]; then
        mkdir -p "$BLD/intl" "$DEPS/.built" && (cd "$BLD/intl" && build_intl) && touch "$DEPS/.built/intl"
    fi
    for s in pcre2 libffi glib c-ares gpg-error gcrypt; do
        stage "$s" "$DEPS/.built/$s-$(source_field "$s" 2)" "build_${s//-/_}"
    done
    stage "ws-$VER" "$TOP/wireshark-$VER/.built" build_wireshark
}

main "$@"
