#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cached Debian chroots (trixie = Wireshark 4.4, sid = Wireshark 4.6) for
# building and testing Handshake against Wireshark releases that the host
# (Debian bookworm, Wireshark 4.0) does not ship.  Needs root.
#
#   .ci/chroot.sh ensure  SUITE                  create/update the cached chroot
#   .ci/chroot.sh run     SUITE SRC_DIR -- CMD…  run CMD inside on a copy of SRC_DIR
#   .ci/chroot.sh version SUITE                  print the tshark version inside
#   .ci/chroot.sh clean   SUITE                  delete the cached chroot
#
# See .ci/README.md for details and the environment variables it reads.
set -euo pipefail

readonly SUPPORTED_SUITES="trixie sid"
readonly CACHE="${HS_CHROOT_CACHE:-/var/cache/handshake-chroots}"
readonly MARKER_NAME=".handshake-chroot-ready"
readonly CHROOT_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
readonly APT_OPTS="-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 -o Dpkg::Use-Pty=0"
# wireshark-dev pulls libglib2.0-dev too; it is listed because WiresharkTargets.cmake
# puts the GLib include directories on the epan target.
readonly BASE_PACKAGES="tshark libwireshark-dev wireshark-dev cmake gcc g++ libc6-dev make pkg-config python3 ca-certificates libglib2.0-dev"
SELF="$(readlink -f "${BASH_SOURCE[0]}")"
readonly SELF

# ---------------------------------------------------------------- helpers
LOG_TAG="chroot.sh"
log() { printf '%s: %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

usage() {
    cat >&2 <<EOF
usage: $0 ensure  SUITE
       $0 run     SUITE SRC_DIR -- CMD [ARG...]
       $0 version SUITE
       $0 clean   SUITE
SUITE is one of: $SUPPORTED_SUITES
Cache folder: $CACHE (set HS_CHROOT_CACHE to change it)
EOF
    exit 2
}

now_us() { local t=${EPOCHREALTIME}; echo "${t/[.,]/}"; }
# elapsed START_US -> "12.3 s"
elapsed() {
    local d=$(( $(now_us) - $1 ))
    printf '%d.%d s' $(( d / 1000000 )) $(( (d / 100000) % 10 ))
}

need_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot and mount need it)"
}

check_suite() {
    local s
    for s in $SUPPORTED_SUITES; do [ "$1" = "$s" ] && return 0; done
    die "unknown suite '$1' (supported: $SUPPORTED_SUITES)"
}

wanted_packages() {
    # shellcheck disable=SC2086
    printf '%s\n' $BASE_PACKAGES ${HS_CHROOT_EXTRA_PACKAGES:-} | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# Mount points at or below $1 in this process's mount namespace.
mounts_under() {
    local dir=$1
    awk -v d="$dir" '{ p = $5; gsub(/\\040/, " ", p); if (p == d || index(p, d "/") == 1) print p }' \
        /proc/self/mountinfo
}

# Delete a folder, refusing to touch anything that is still mounted below it.
safe_rm() {
    local dir=$1 m
    [ -e "$dir" ] || return 0
    case "$dir" in /|/tmp|/var|/var/cache|"") die "refusing to delete '$dir'";; esac
    for m in $(mounts_under "$dir" | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    if [ -n "$(mounts_under "$dir")" ]; then
        die "still mounted below $dir, not deleting it:"$'\n'"$(mounts_under "$dir")"
    fi
    rm -rf --one-file-system -- "$dir"
}

# Lock per suite: exclusive for ensure/clean, shared for run/version.
LOCK_FD=9
take_lock() { # MODE(-x|-s) SUITE
    local mode=$1 suite=$2
    mkdir -p "$CACHE"
    exec 9>>"$CACHE/.$suite.lock"
    if ! flock -n "$mode" "$LOCK_FD"; then
        log "waiting for the lock on $CACHE/.$suite.lock (another chroot.sh is using $suite)"
        flock "$mode" "$LOCK_FD"
    fi
}

# The Debian mirror from this machine's apt configuration (never hard-coded).
detect_mirror() {
    if [ -n "${HS_DEBIAN_MIRROR:-}" ]; then
        echo "${HS_DEBIAN_MIRROR%/}"
        return
    fi
    local candidates f
    candidates="$(
        for f in /etc/apt/sources.list.d/*.sources; do
            [ -f "$f" ] || continue
            awk '
                function flush(   n, i, u) {
                    if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) !~ /no/ && uris != "") {
                        n = split(uris, u, /[ \t]+/)
                        for (i = 1; i <= n; i++) if (u[i] != "") print u[i] "\t" suites
                    }
                    types = uris = suites = enabled = last = ""
                }
                /^[ \t]*#/ { next }
                /^[ \t]*$/ { flush(); next }
                /^[ \t]/   { if (last == "uris") uris = uris " " $0; else if (last == "suites") suites = suites " " $0; next }
                {
                    i = index($0, ":"); if (!i) next
                    key = tolower(substr($0, 1, i - 1)); val = substr($0, i + 1); last = key
                    if (key == "types") types = val
                    else if (key == "uris") uris = val
                    else if (key == "suites") suites = val
                    else if (key == "enabled") enabled = val
                }
                END { flush() }' "$f"
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$f" ] || continue
            sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+([^[:space:]]+).*/\2\t\3/p' "$f"
        done
    )"
    # Usable by debootstrap, not a security/debug/backports archive; prefer .../debian.
    local usable
    usable="$(printf '%s\n' "$candidates" | awk -F '\t' '
        $1 ~ /^(https?:\/\/|file:\/)/ && $1 !~ /security|debug/ && $2 !~ /-security|-backports|-debug/ { sub(/\/+$/, "", $1); print $1 }')"
    local pick
    pick="$(printf '%s\n' "$usable" | grep -E '/debian$' | head -n1 || true)"
    [ -n "$pick" ] || pick="$(printf '%s\n' "$usable" | sed '/^$/d' | head -n1)"
    [ -n "$pick" ] || die "no usable Debian mirror in /etc/apt/sources.list{,.d/*} (set HS_DEBIAN_MIRROR=http://.../debian)"
    echo "$pick"
}

ensure_host_tools() {
    local missing=() t
    for t in debootstrap unshare flock chroot; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
    mkdir -p "$CACHE/logs"
    local hlog="$CACHE/logs/host-apt.log"
    log "installing on the host: debootstrap (missing: ${missing[*]}; log: $hlog)"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends debootstrap util-linux coreutils >"$hlog" 2>&1; then
        { apt-get update -q && apt-get install -y -q --no-install-recommends debootstrap util-linux coreutils; } \
            >>"$hlog" 2>&1 || { show_log_tail "$hlog"; die "could not install debootstrap on the host"; }
    fi
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap still missing after apt-get install"
}

# Can this machine give each run its own mount namespace?  Then concurrent runs
# never see each other's mounts, and the kernel drops them even on SIGKILL.
have_unshare() {
    [ "${HS_CHROOT_NO_UNSHARE:-0}" != 1 ] && unshare --mount --propagation private true 2>/dev/null
}

# Run CMD in the chroot with /proc, /dev (+pts) and an optional read-only bind.
# Usage: in_chroot ROOT WORKDIR SHARED_SRC SHARED_DST -- CMD...  (SHARED_* may be "")
in_chroot() {
    if have_unshare; then
        unshare --mount --propagation private -- bash "$SELF" __inner "$@"
    else
        bash "$SELF" __inner "$@"
    fi
}

# Internal: does the mounting, runs the command, always unmounts.
inner() {
    local root=$1 workdir=$2 shared_src=$3 shared_dst=$4
    shift 4
    [ "${1:-}" = -- ] && shift
    local mounted=()
    cleanup_mounts() {
        local i
        for (( i = ${#mounted[@]} - 1; i >= 0; i-- )); do
            umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" 2>/dev/null \
                || log "warning: could not unmount ${mounted[i]}"
        done
        mounted=()
    }
    trap cleanup_mounts EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    if ! mountpoint -q "$root/proc"; then
        mount -t proc proc "$root/proc"; mounted+=("$root/proc")
    fi
    if ! mountpoint -q "$root/dev"; then
        mount --rbind /dev "$root/dev"
        mount --make-rslave "$root/dev"   # never propagate unmounts back to the host /dev
        mounted+=("$root/dev")
    fi
    if [ ! -e "$root/dev/pts/ptmx" ] && [ -d /dev/pts ]; then
        mkdir -p "$root/dev/pts"
        if mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" 2>/dev/null; then
            mounted+=("$root/dev/pts")
        fi
    fi
    if [ -n "$shared_src" ]; then
        mkdir -p "$root$shared_dst"
        mount --bind "$shared_src" "$root$shared_dst"
        mounted+=("$root$shared_dst")
        mount -o remount,bind,ro "$root$shared_dst"
    fi

    local envv=(PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 HS_CHROOT=1 HS_CHROOT_SUITE="${HS_INNER_SUITE:-}")
    local v
    for v in CI TERM MAKEFLAGS $(compgen -e | grep -E '^(HS_|CMAKE_|CTEST_)' | grep -vE '^HS_(CHROOT|INNER|DEBIAN_MIRROR)' || true); do
        [ -n "${!v+x}" ] && envv+=("$v=${!v}")
    done
    local rc=0
    # shellcheck disable=SC2016 # expanded by the chroot's sh
    env -i "${envv[@]}" "$(command -v chroot)" "$root" /bin/sh -c \
        'cd "$1" || { echo "chroot.sh: cannot cd to $1 inside the chroot" >&2; exit 125; }; shift; exec "$@"' \
        hs-chroot "$workdir" "$@" || rc=$?
    cleanup_mounts
    exit "$rc"
}

# ---------------------------------------------------------------- ensure
chroot_dir() { echo "$CACHE/$1"; }

chroot_ready() { # SUITE -> 0 when complete and with the wanted packages
    local dir marker
    dir="$(chroot_dir "$1")"; marker="$dir/$MARKER_NAME"
    [ -f "$marker" ] && [ -x "$dir/usr/bin/tshark" ] || return 1
    local have p
    have=" $(sed -n 's/^packages=//p' "$marker") "
    for p in $(wanted_packages); do
        [[ "$have" == *" $p "* ]] || return 1
    done
}

apt_phase() { # SUITE DIR
    local suite=$1 dir=$2 logf=$3
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    local script
    script=$(cat <<EOF
set -eu
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
printf 'Acquire::Check-Valid-Until "false";\nAcquire::Languages "none";\n' > /etc/apt/apt.conf.d/99handshake-ci
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt-get $APT_OPTS update
apt-get $APT_OPTS install -y --no-install-recommends $(wanted_packages)
command -v runuser >/dev/null || apt-get $APT_OPTS install -y --no-install-recommends util-linux
getent passwd nobody >/dev/null || useradd --system --uid 65534 --gid nogroup --home-dir /nonexistent --shell /usr/sbin/nologin nobody
apt-get clean
echo "$suite" > /etc/debian_chroot
EOF
)
    HS_INNER_SUITE=$suite in_chroot "$dir" / "" "" -- /bin/sh -c "$script" >"$logf" 2>&1
}

show_log_tail() { # FILE
    [ -f "$1" ] || return 0
    log "last lines of $1:"
    tail -n 40 "$1" | sed 's/^/    /' >&2
}

do_ensure() { # SUITE [rebuild] (exclusive lock held)
    local suite=$1 rebuild=${2:-0} dir marker t0 t mirror
    dir="$(chroot_dir "$suite")"; marker="$dir/$MARKER_NAME"
    t0=$(now_us)
    if [ "$rebuild" != 1 ] && chroot_ready "$suite"; then
        log "cached chroot $dir is ready (checked in $(elapsed "$t0"))"
        return 0
    fi
    mkdir -p "$CACHE/logs"
    local dlog="$CACHE/logs/$suite-debootstrap.log" alog="$CACHE/logs/$suite-apt.log"

    if [ "$rebuild" != 1 ] && [ -f "$marker" ] && [ -x "$dir/usr/bin/tshark" ]; then
        # Complete chroot, but the package list changed: install into it.
        log "package list changed, updating $dir"
        mv -f "$marker" "$marker.old"
    else
        if [ -e "$dir" ]; then
            log "$dir is incomplete (no $MARKER_NAME) or a rebuild was asked for: deleting it"
            safe_rm "$dir"
        fi
        ensure_host_tools
        mirror="$(detect_mirror)"
        log "debootstrap --variant=minbase $suite $dir $mirror (log: $dlog)"
        t=$(now_us)
        mkdir -p "$dir"
        # In its own mount namespace when possible: the /proc and /sys that
        # debootstrap mounts in the target then vanish even if it is killed.
        local ns=()
        have_unshare && ns=(unshare --mount --propagation private --)
        if ! "${ns[@]}" debootstrap --variant=minbase --components=main "$suite" "$dir" "$mirror" >"$dlog" 2>&1; then
            show_log_tail "$dlog"
            show_log_tail "$dir/debootstrap/debootstrap.log"
            die "debootstrap failed after $(elapsed "$t") (the half-built $dir is rebuilt next time)"
        fi
        log "debootstrap took $(elapsed "$t")"
    fi

    log "apt-get install $(wanted_packages) (log: $alog)"
    t=$(now_us)
    if ! apt_phase "$suite" "$dir" "$alog"; then
        show_log_tail "$alog"
        die "installing packages in the chroot failed after $(elapsed "$t")"
    fi
    log "apt install took $(elapsed "$t")"

    local ver installed
    ver="$(tshark_version "$suite")" || die "tshark does not run in the new chroot"
    # Packages asked for now plus those of an earlier marker (HS_CHROOT_EXTRA_PACKAGES).
    # shellcheck disable=SC2046
    installed="$(printf '%s\n' $(wanted_packages) $(sed -n 's/^packages=//p' "$marker.old" 2>/dev/null) \
        | sort -u | tr '\n' ' ' | sed 's/ $//')"
    {
        echo "suite=$suite"
        echo "packages=$installed"
        echo "tshark=$ver"
        echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } > "$marker.tmp"
    mv -f "$marker.tmp" "$marker"   # written last: no marker = rebuild
    rm -f "$marker.old"
    log "chroot ready with tshark $ver (total $(elapsed "$t0"))"
}

tshark_version() { # SUITE
    local dir line
    dir="$(chroot_dir "$1")"
    line="$(HS_INNER_SUITE=$1 in_chroot "$dir" / "" "" -- tshark --version 2>/dev/null | head -n1)" || true
    [[ "$line" =~ ([0-9]+\.[0-9]+\.[0-9]+) ]] || return 1
    echo "${BASH_REMATCH[1]}"
}

# ---------------------------------------------------------------- commands
cmd_ensure() {
    [ $# -eq 1 ] || usage
    check_suite "$1"; need_root
    LOG_TAG="chroot.sh[$1]"
    local rebuild=${HS_CHROOT_REBUILD:-0}
    if [ "$rebuild" != 1 ]; then
        take_lock -s "$1"   # a ready chroot need not wait for running jobs
        if chroot_ready "$1"; then
            log "cached chroot $(chroot_dir "$1") is ready"
            return 0
        fi
        flock -u "$LOCK_FD"
    fi
    take_lock -x "$1"
    do_ensure "$1" "$rebuild"
}

# Make sure the chroot exists, then hold only a shared lock: runs in their own
# mount namespaces do not disturb each other.  Without unshare, runs share the
# chroot's mounts, so they keep the exclusive lock and go one at a time.
ensure_then_share() { # SUITE
    if have_unshare; then
        take_lock -s "$1"
        if chroot_ready "$1"; then
            log "cached chroot $(chroot_dir "$1") is ready"
            return 0
        fi
        flock -u "$LOCK_FD"
    fi
    take_lock -x "$1"
    do_ensure "$1"
    if have_unshare; then
        flock -s "$LOCK_FD"
        # The switch to shared is not atomic: check that nobody rebuilt meanwhile.
        chroot_ready "$1" || die "the chroot changed while switching locks; retry"
    fi
}

cmd_run() {
    [ $# -ge 4 ] || usage
    local suite=$1 src=$2
    [ "$3" = -- ] || usage
    shift 3
    check_suite "$suite"; need_root
    LOG_TAG="chroot.sh[$suite]"
    [ -d "$src" ] || die "SRC_DIR '$src' is not a folder"
    src="$(readlink -f "$src")"

    ensure_then_share "$suite"
    local dir t
    dir="$(chroot_dir "$suite")"

    # Fresh, world-readable folder per run: /tmp/hs.XXXXXX/<name> (+ /tmp/hs.XXXXXX/shared).
    local rundir name shared_src="" shared_dst=""
    rundir="$(mktemp -d "$dir/tmp/hs.XXXXXX")"
    RUN_DIR_TO_CLEAN=$rundir
    trap 'safe_rm "$RUN_DIR_TO_CLEAN"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    chmod 755 "$rundir"
    name="$(basename "$src")"
    [ "$name" = shared ] && name=src
    local inside="${rundir#"$dir"}/$name"

    t=$(now_us)
    mkdir -m 755 "$rundir/$name"
    local e
    while IFS= read -r -d '' e; do
        cp -a -- "$e" "$rundir/$name/"
    done < <(find "$src" -mindepth 1 -maxdepth 1 \
                ! -name .git ! \( -type d -name 'build*' \) -print0)
    chmod -R a+rX "$rundir/$name"
    log "copied $src to $inside in $(elapsed "$t")"

    if [ -d "$src/../shared" ]; then
        shared_src="$(readlink -f "$src/../shared")"
        shared_dst="${rundir#"$dir"}/shared"
        log "bind-mounting $shared_src read-only at $shared_dst"
    fi

    log "running in $suite: $*"
    t=$(now_us)
    local rc=0
    HS_INNER_SUITE=$suite in_chroot "$dir" "$inside" "$shared_src" "$shared_dst" -- "$@" || rc=$?
    log "command exited with $rc after $(elapsed "$t")"
    exit "$rc"
}

cmd_version() {
    [ $# -eq 1 ] || usage
    check_suite "$1"; need_root
    LOG_TAG="chroot.sh[$1]"
    ensure_then_share "$1"
    tshark_version "$1" || die "$1: could not read the tshark version in $(chroot_dir "$1")"
}

cmd_clean() {
    [ $# -eq 1 ] || usage
    check_suite "$1"; need_root
    LOG_TAG="chroot.sh[$1]"
    take_lock -x "$1"
    safe_rm "$(chroot_dir "$1")"
    log "deleted $(chroot_dir "$1")"
}

main() {
    [ $# -ge 1 ] || usage
    local cmd=$1; shift
    case "$cmd" in
        ensure)  cmd_ensure "$@" ;;
        run)     cmd_run "$@" ;;
        version) cmd_version "$@" ;;
        clean)   cmd_clean "$@" ;;
        __inner) inner "$@" ;;
        -h|--help|help) usage ;;
        *) log "unknown command '$cmd'"; usage ;;
    esac
}

main "$@"
