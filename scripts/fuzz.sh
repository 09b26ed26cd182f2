#!/bin/bash
# fuzz.sh: build the libFuzzer targets of fuzz/ (build-fuzz: clang, every
# object instrumented, ASan + UBSan) and run each for SECONDS.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 30 s, every target)
#
# Each target starts from its seeds in fuzz/corpus/TARGET and keeps what it
# learns in var/fuzz/TARGET (git-ignored), so long runs build on each other.
# A crash, a leak or a broken property stops that target: its input is
# written to var/fuzz/crash-* and the script exits non-zero after the rest.
# The last line per target says how many inputs it ran.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-30}
shift || true
BUILD=${FUZZ_BUILD:-build-fuzz}
if [ ! -f "$BUILD/build.ninja" ]; then
    CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debugoptimized >/dev/null
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
ninja -C "$BUILD" "${targets[@]/#/fuzz/}" >/dev/null

rc=0
for t in "${targets[@]}"; do
    work="var/fuzz/$t"
    mkdir -p "$work"
    log="var/fuzz/$t.log"
    if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$BUILD/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="var/fuzz/crash-$t-" "$work" "fuzz/corpus/$t" \
        >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz: $t: ${runs:-?} inputs in ${secs} s, nothing found"
    else
        rc=1
        echo "fuzz: $t FAILED (log: $log)" >&2
        grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 >&2 || true
    fi
done
exit $rc
