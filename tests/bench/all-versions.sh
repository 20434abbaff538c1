#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The benchmark on every Wireshark version CI tests: 4.0 on the host, 4.4 and
# 4.6 in the cached chroots of .ci/chroot.sh (needs root).  Each version
# builds its own plugin and prints its own table (bench.py); the tables go to
# OUT_DIR/<version>.md, the logs to OUT_DIR/<version>.log.  A version that
# fails is named and the others still run; the exit status says so.
#
#   tests/bench/all-versions.sh OUT_DIR [bench.py options...]
#   tests/bench/all-versions.sh /tmp/bench --sizes 1M --syns '' --runs 3 --two-pass --negotiation --floor
#   HS_BENCH_VERSIONS="trixie sid" tests/bench/all-versions.sh ...   # some of host, trixie (4.4), sid (4.6)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: $0 OUT_DIR [bench.py options...]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
# The chroots have no git: bench.py takes the revision from here (chroot.sh
# passes HS_* variables through).
HS_SOURCE_REV=$(git describe --always --dirty 2>/dev/null || echo "?")
export HS_SOURCE_REV

failed=()
run() {   # run NAME CMD...: the bench in one environment
    local name=$1; shift
    echo "== $name" >&2
    if "$@" > "$out/$name.md.tmp" 2> "$out/$name.log"; then
        mv "$out/$name.md.tmp" "$out/$name.md"
        cat "$out/$name.md"
    else
        echo "== $name FAILED: see $out/$name.log" >&2
        tail -5 "$out/$name.log" >&2
        failed+=("$name")
    fi
}

bench='cmake -S . -B build-bench -DHS_BUILD_TESTS=OFF >/dev/null && cmake --build build-bench >/dev/null &&
       python3 tests/bench/bench.py --build build-bench --workdir /tmp/hs-bench-work "$@"'
for name in ${HS_BENCH_VERSIONS:-host trixie sid}; do
    case $name in
        host) run host sh -c "$bench" sh "$@" ;;
        trixie|sid)
            .ci/chroot.sh ensure "$name"
            run "$name" .ci/chroot.sh run "$name" "$PWD" -- sh -c "$bench" sh "$@" ;;
        *) echo "unknown version '$name' (host, trixie, sid)" >&2; failed+=("$name") ;;
    esac
done
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}" >&2; exit 1; }
