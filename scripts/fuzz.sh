#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for SECONDS (default 60), as many at once as there are
# cores, printing executions, coverage and corpus size per target. Called by `make fuzz SECONDS=N` and, for
# 20 s each, by scripts/run-tests.sh. Exits 1 when a target crashes; its input is then in Fuzz/.build/artifacts/
# (docs/RELIABILITY.md, "Fuzzing", says how to reproduce and what to commit).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: domain-xml, ovsdb-json, ...; default every target
#   scripts/fuzz.sh --merge [TARGET...]        adds the inputs of earlier runs that reach new edges to the
#                                              committed corpus, Fuzz/corpus/TARGET (libFuzzer's set-cover merge)
#
# FUZZ_NICE (default 0) is the runs' niceness: long campaigns on a shared machine use 15.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(domain-xml ovsdb-json netlink vdsm-netconf neutron-ini agent-conf hooks-conf wire-arguments)

merge=false
seconds=60
if [ "${1:-}" = --merge ]; then
    merge=true
    shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
    seconds=$1
    shift
fi
[ $# -gt 0 ] && targets=("$@")

# The largest input libFuzzer makes per target: above the real inputs' size, low enough to keep runs fast.
max_len() {
    case "$1" in
        domain-xml | ovsdb-json) echo 16384 ;;
        netlink) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

dictionary() {
    case "$1" in
        domain-xml) echo "-dict=Fuzz/dictionaries/xml.dict" ;;
        ovsdb-json | vdsm-netconf) echo "-dict=Fuzz/dictionaries/json.dict" ;;
    esac
}

# Every Swift module of the graph is built with coverage for libFuzzer and with AddressSanitizer, so fabric's
# code guides the fuzzer and every bad memory access stops it. Release: the campaigns need the speed.
build=Fuzz/.build
mkdir -p "$build/corpus" "$build/logs" "$build/artifacts" "$build/scratch"
echo "fuzz: building the targets (release, -sanitize=fuzzer,address; log: $build/logs/build.log)" >&2
started=$(date +%s)
swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address >"$build/logs/build.log" 2>&1 ||
    { tail -40 "$build/logs/build.log" >&2; exit 1; }
echo "fuzz: built in $(($(date +%s) - started)) s" >&2
bin=$(swift build --package-path Fuzz -c release --show-bin-path)

# Swift's backtracer and ASan both want the crash: let ASan and libFuzzer report it. Deterministic hashing
# makes a crash file replay the same way. The file-reading targets write their scratch files here.
export SWIFT_BACKTRACE=enable=no SWIFT_DETERMINISTIC_HASHING=1 TMPDIR="$PWD/$build/scratch"

if $merge; then
    for target in "${targets[@]}"; do
        before=$(find "Fuzz/corpus/$target" -type f | wc -l)
        # A small set that reaches every edge (hit counts ignored) keeps the committed corpus to a few hundred files.
        "$bin/fuzz-$target" -set_cover_merge=1 -use_counters=0 -max_len=4096 "Fuzz/corpus/$target" \
            "$build/corpus/$target" >"$build/logs/$target-merge.log" 2>&1
        after=$(find "Fuzz/corpus/$target" -type f | wc -l)
        echo "fuzz: $target: committed corpus $before → $after files"
    done
    exit 0
fi

# One target's run; its table row goes to $build/logs/TARGET.row, and a crash makes the row say so.
run_target() {
    local target=$1 work="$build/corpus/$1" log="$build/logs/$1.log"
    mkdir -p "$work"
    # New inputs go to the first folder (kept between runs, so campaigns build on each other); the committed
    # seeds are only read.
    local status=0
    # shellcheck disable=SC2046
    nice -n "${FUZZ_NICE:-0}" "$bin/fuzz-$target" "$work" "Fuzz/corpus/$target" $(dictionary "$target") \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1 || status=$?
    local executions rate last cov ft corpus result=ok
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    # The last status line libFuzzer printed (DONE, or the last before a crash) has the coverage.
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    if [ "$status" -ne 0 ]; then
        result="CRASH: $(grep -o "$build/artifacts/$target-[a-z]*-[0-9a-f]*" "$log" | tail -1) (log: $log)"
    fi
    printf '%-15s %12s %8s %7s %8s %8s  %s\n' "$target" "${executions:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
        "$corpus" "$result" >"$build/logs/$target.row"
}

# As many targets at once as there are cores (each libFuzzer process uses one): the same seconds per target,
# in half the time on two cores.
parallel=$(nproc)
running=0
for target in "${targets[@]}"; do
    rm -f "$build/logs/$target.row"
    run_target "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=()
printf '%-15s %12s %8s %7s %8s %8s  %s\n' target executions exec/s cov ft corpus result
for target in "${targets[@]}"; do
    row="$build/logs/$target.row"
    if [ ! -s "$row" ]; then
        printf '%-15s %s\n' "$target" "no result (log: $build/logs/$target.log)"
        failed+=("$target")
        continue
    fi
    cat "$row"
    if grep -q '  CRASH: ' "$row"; then failed+=("$target"); fi
done

if [ ${#failed[@]} -gt 0 ]; then
    for target in "${failed[@]}"; do
        echo "---- fuzz-$target: the end of $build/logs/$target.log" >&2
        # libxml2's own diagnostics on stderr are not part of the report.
        grep -v -e '^encoding error' -e '^I/O error' "$build/logs/$target.log" | tail -40 >&2
    done
    echo "fuzz: ${#failed[@]} target(s) crashed: ${failed[*]}" >&2
    exit 1
fi
