#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The benchmark on every Wireshark version CI tests: 4.0 on the host, 4.4 and
# 4.6 in the cached chroots of .ci/chroot.sh (needs root).  Each version
# builds its own plugin and prints its own table (bench.py); the tables go to
# OUT_DIR/<version>.md, the logs to OUT_DIR/<version>.log.
#
#   tests/bench/all-versions.sh OUT_DIR [bench.py options...]
#   tests/bench/all-versions.sh /tmp/bench --sizes 1M --syns '' --runs 3 --two-pass --negotiation --floor
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: $0 OUT_DIR [bench.py options...]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)

run() {   # run NAME CMD...: the bench in one environment
    local name=$1; shift
    echo "== $name" >&2
    "$@" > "$out/$name.md.tmp" 2> "$out/$name.log" && mv "$out/$name.md.tmp" "$out/$name.md"
    cat "$out/$name.md"
}

bench='cmake -S . -B build-bench -DHS_BUILD_TESTS=OFF >/dev/null && cmake --build build-bench >/dev/null &&
       python3 tests/bench/bench.py --build build-bench --workdir /tmp/hs-bench-work "$@"'
run host sh -c "$bench" sh "$@"
for suite in trixie sid; do
    .ci/chroot.sh ensure "$suite"
    run "$suite" .ci/chroot.sh run "$suite" "$PWD" -- sh -c "$bench" sh "$@"
done
