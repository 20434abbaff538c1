#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Robustness (SPEC section 6: no crash, leak or sanitizer report on malformed
# input), run by .ci/run after the normal tests, as root on Debian bookworm:
#   sanitize  the whole ctest suite with the plugin built -DHS_SANITIZE=ON,
#             loaded into the real (uninstrumented) tshark with gcc's ASan
#             and UBSan runtimes preloaded; any report aborts tshark
#   captures  every capture under captures/ and ../shared damaged by
#             `editcap -E 0.02 --seed N` (fixed seeds), each read with
#             tshark -2 -V and the sanitized plugin (tests/fuzz/fuzz_captures.py)
#   engine    the connection engine under libFuzzer + ASan + UBSan
#             (tests/fuzz/fuzz_engine.c), seeded from the captures, for a
#             fixed time; then its line coverage of plugin/engine/*.c
#   valgrind  memcheck over tshark -2 -V with the normal plugin: no definite
#             leak and no error with a stack in the plugin (tests/fuzz/valgrind_check.py)
# One summary line per stage, a ctest-style line for .ci/run's stage(), and
# a final "N passed, N failed" line.  Exit status non-zero on any failure.
#
# usage: .ci/robustness.sh [BUILD_DIR_PREFIX]     (default: build-robust)
#   builds PREFIX-asan (sanitized plugin), PREFIX-plain (normal plugin) and
#   PREFIX-fuzz (fuzzer, corpus, crash artifacts).
# environment:
#   HS_ROBUST_STAGES   stages to run (default "sanitize captures engine valgrind")
#   HS_FUZZ_SECONDS    engine fuzzer time (default 60)
#   HS_FUZZ_CORPUS     the engine fuzzer's working corpus (default PREFIX-fuzz/corpus;
#                      kept between runs, so longer runs by hand build on it)
#   HS_CAPTURE_SEEDS   editcap seeds run on every capture (default 1)
#   HS_CAPTURE_RUNS    at least this many runs: more seeds on some captures (default 150)
#   HS_ROBUST_NO_INSTALL=1  do not apt-get anything
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
prefix=${1:-build-robust}
case $prefix in /*) ;; *) prefix=$src/$prefix ;; esac
stages=${HS_ROBUST_STAGES:-sanitize captures engine valgrind}
fuzz_seconds=${HS_FUZZ_SECONDS:-60}
jobs=$(nproc 2>/dev/null || echo 2)
export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
passed=0 failed=0
summary=()

# ---- packages -----------------------------------------------------------------
need=(cmake gcc make libc6-dev pkg-config python3 tshark wireshark-common wireshark-dev
      libwireshark-dev libglib2.0-dev util-linux clang libclang-rt-dev llvm valgrind)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "${HS_ROBUST_NO_INSTALL:-0}" = 1 ] || [ "$(id -u)" -ne 0 ]; then
        echo "=== robustness: missing packages: ${missing[*]} (not installing)"
    else
        echo "=== robustness: installing ${missing[*]}"
        echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null ||
            { echo "apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
    fi
fi

asan_lib=$(gcc -print-file-name=libasan.so)
ubsan_lib=$(gcc -print-file-name=libubsan.so)
# tshark is not instrumented: the runtimes are preloaded.  detect_leaks=0:
# tshark and glib leak by design (the valgrind stage checks the plugin's
# leaks).  abort_on_error=1: a report kills tshark (SIGABRT), which the
# harness sees as a failed run and prints with its stderr.
san_env=(LD_PRELOAD="$asan_lib:$ubsan_lib"
         ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:print_stacktrace=1"
         UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1")

result() {   # result STAGE RC SECONDS DETAIL
    local status=passed
    if [ "$2" -ne 0 ]; then status=FAILED; failed=$((failed + 1)); else passed=$((passed + 1)); fi
    summary+=("robustness $1: $status in $3 s${4:+ - $4}")
    echo "=== robustness $1: $status in $3 s${4:+ - $4}"
}

configure() {   # configure DIR CMAKE_ARGS...
    local dir=$1; shift
    cmake -S "$src" -B "$dir" -DHS_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null &&
        cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1 ||
        { tail -30 "$dir.build.log"; return 1; }
}

asan_ready=0
build_asan() {
    [ "$asan_ready" = 1 ] && return 0
    configure "$prefix-asan" -DHS_SANITIZE=ON || return 1
    local so
    so=$(find "$prefix-asan/plugins" -name hs.so | head -1)
    if [ -z "$so" ] || ! ldd "$so" | grep libasan >/dev/null; then
        echo "the sanitized build has no hs.so linked with libasan"; return 1
    fi
    asan_ready=1
}

# ---- a: the test suite with the sanitized plugin ----------------------------------
stage_sanitize() {
    local t0=$(date +%s) rc detail
    if ! build_asan; then result sanitize 1 $(( $(date +%s) - t0 )) "build failed"; return; fi
    # ctest's own summary is renamed so that .ci/run's stage() counts this
    # script's stages, not these tests.
    env "${san_env[@]}" timeout 900 ctest --test-dir "$prefix-asan" --output-on-failure -j "$jobs" 2>&1 |
        sed -E 's/([0-9]+)% tests passed, ([0-9]+) tests? failed out of ([0-9]+)/sanitized: \1% passed, \2 failed out of \3/' |
        tee "$prefix-asan.ctest.log"
    rc=${PIPESTATUS[0]}
    detail=$(grep -E '^sanitized: ' "$prefix-asan.ctest.log" | tail -1)
    if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$prefix-asan.ctest.log"; then
        echo "sanitizer report in the ctest output"; rc=1
    fi
    result sanitize "$rc" $(( $(date +%s) - t0 )) "${detail:-no ctest summary}"
}

# ---- b: corrupted captures ------------------------------------------------------------
stage_captures() {
    local t0=$(date +%s) rc detail
    if ! build_asan; then result captures 1 $(( $(date +%s) - t0 )) "build failed"; return; fi
    env "${san_env[@]}" timeout 1200 python3 tests/fuzz/fuzz_captures.py "$prefix-asan" \
        --seeds "${HS_CAPTURE_SEEDS:-1}" --min-runs "${HS_CAPTURE_RUNS:-150}" --jobs "$jobs" --keep "$prefix-asan/fuzz-failures" \
        2>&1 | tee "$prefix-asan.captures.log"
    rc=${PIPESTATUS[0]}
    detail=$(grep -E '^fuzz_captures: ' "$prefix-asan.captures.log" | tail -1 | sed 's/^fuzz_captures: //')
    result captures "$rc" $(( $(date +%s) - t0 )) "${detail:-no summary}"
}

# ---- c: the engine under libFuzzer ----------------------------------------------------
stage_engine() {
    local t0=$(date +%s) rc dir=$prefix-fuzz detail
    local corpus=${HS_FUZZ_CORPUS:-$dir/corpus}
    mkdir -p "$dir" "$corpus"
    local cflags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
                  -I"$src/plugin/engine")
    # The engine is every .c in its folder (plugin/engine/CMakeLists.txt says so too).
    local engine_src=("$src"/plugin/engine/*.c)
    if ! clang "${cflags[@]}" "$src/tests/fuzz/fuzz_engine.c" "${engine_src[@]}" -o "$dir/fuzz_engine" \
            >"$dir/build.log" 2>&1; then
        cat "$dir/build.log"; result engine 1 $(( $(date +%s) - t0 )) "build failed"; return
    fi
    rm -rf "$dir/seeds"
    python3 tests/fuzz/make_corpus.py "$dir/seeds" captures $( [ -d ../shared ] && echo ../shared )
    cp "$src"/tests/fuzz/corpus/* "$dir/seeds/" 2>/dev/null
    rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
    (cd "$dir" && timeout $((fuzz_seconds + 300)) ./fuzz_engine -max_total_time="$fuzz_seconds" \
        -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -print_pcs=0 \
        -artifact_prefix="$dir/" "$corpus" "$dir/seeds") >"$dir/fuzz.log" 2>&1
    rc=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|^SUMMARY|ERROR|invariant' "$dir/fuzz.log"
    local crash
    crash=$(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null | head -1)
    if [ -n "$crash" ] || [ "$rc" -ne 0 ]; then
        rc=1
        tail -60 "$dir/fuzz.log"
        [ -n "$crash" ] && echo "reproduce: $dir/fuzz_engine $crash   (or tests/fuzz_engine_replay $crash)" &&
            echo "base64: $(base64 -w0 "$crash")"
    fi
    local execs rate cov
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$dir/fuzz.log" | tail -1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$dir/fuzz.log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$dir/fuzz.log" | tail -1)
    detail="${fuzz_seconds} s, ${execs:-?} execs (${rate:-?}/s), ${cov:-no coverage line}"

    # Line coverage of the engine by the corpus (clang source-based coverage).
    if command -v llvm-profdata >/dev/null && command -v llvm-cov >/dev/null &&
        clang -O0 -fprofile-instr-generate -fcoverage-mapping -DHS_FUZZ_STANDALONE -I"$src/plugin/engine" \
            "$src/tests/fuzz/fuzz_engine.c" "${engine_src[@]}" -o "$dir/fuzz_engine_cov" >>"$dir/build.log" 2>&1; then
        rm -f "$dir"/cov.profraw
        LLVM_PROFILE_FILE="$dir/cov.profraw" "$dir/fuzz_engine_cov" "$corpus" "$dir/seeds" >/dev/null 2>&1
        llvm-profdata merge -o "$dir/cov.profdata" "$dir/cov.profraw" 2>/dev/null &&
            llvm-cov report "$dir/fuzz_engine_cov" -instr-profile="$dir/cov.profdata" "${engine_src[@]}" \
                >"$dir/coverage.txt" 2>/dev/null
        if [ -s "$dir/coverage.txt" ]; then
            cat "$dir/coverage.txt"
            # TOTAL: regions, missed, cover, functions, missed, executed, lines, missed, cover, branches...
            local lines
            lines=$(awk '/^TOTAL/ {print $10}' "$dir/coverage.txt")
            detail="$detail, engine line coverage ${lines:-?}"
        fi
    fi
    result engine "$rc" $(( $(date +%s) - t0 )) "$detail"
}

# ---- d: valgrind ---------------------------------------------------------------------
stage_valgrind() {
    local t0=$(date +%s) rc detail
    if ! configure "$prefix-plain"; then result valgrind 1 $(( $(date +%s) - t0 )) "build failed"; return; fi
    timeout 1200 python3 tests/fuzz/valgrind_check.py "$prefix-plain" --jobs "$jobs" 2>&1 |
        tee "$prefix-plain.valgrind.log"
    rc=${PIPESTATUS[0]}
    detail=$(grep -E '^valgrind_check: ' "$prefix-plain.valgrind.log" | tail -1 | sed 's/^valgrind_check: //')
    result valgrind "$rc" $(( $(date +%s) - t0 )) "${detail:-no summary}"
}

for s in $stages; do
    case $s in
        sanitize|captures|engine|valgrind) echo "=== robustness: $s"; "stage_$s" ;;
        *) echo "unknown stage $s"; failed=$((failed + 1)) ;;
    esac
done

echo "=== robustness summary ($(( $(date +%s) - started )) s)"
printf '%s\n' "${summary[@]}"
total=$((passed + failed))
pct=$(( total ? 100 * passed / total : 0 ))
# For .ci/run's stage(), which adds up ctest-style lines:
echo "robustness: ${pct}% tests passed, $failed tests failed out of $total"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
