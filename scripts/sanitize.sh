#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The test suite under the sanitizers (docs/RELIABILITY.md, "Sanitizers"): the whole suite under
# AddressSanitizer with LeakSanitizer, then the whole suite under ThreadSanitizer (the concurrent parts, the
# agent's services, TableStore, the coalescing and the HTTP API, are in it; the rest costs about two minutes
# more and checks the hooks' and fabric-wire's processes and the test harness as well). `make sanitize` runs
# it; CI runs it after `make test`, which sets up what the tests need (OVS, libvirt, the users, the VM test
# host, the staged install and the RPMs). Run alone, tests whose component is missing skip with a reason.
#
# Each sanitizer builds into a scratch path of its own (.build/asan, .build/tsan), so the normal build stays
# valid. The executables the tests spawn (the hooks, fabric-wire, fabric-agent, fabric-agentd) are built
# there with the same sanitizer, and the tests find them next to the test bundle. Every report of every
# process that sees the options below goes to .build/sanitizers/<sanitizer>/, and any report fails the run,
# whatever exit status the test that spawned the process looked at.
#
#   scripts/sanitize.sh [address] [thread]      (default: both, address first)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)

suppressions="$PWD/scripts/sanitizers"
status=0
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
        address)
            scratch=.build/asan
            # The first error ends the process; leaks are checked when each instrumented process exits (the
            # suppressions name only leaks inside the Swift toolchain's libraries, in code only the tests run).
            export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1"
            export LSAN_OPTIONS="suppressions=$suppressions/lsan.supp:print_suppressions=0"
            ;;
        thread)
            scratch=.build/tsan
            # Report every race of a run, then fail (exit status 66 and the reports below).
            export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1"
            ;;
        *) echo "sanitize: unknown sanitizer $sanitizer (address, thread)" >&2; exit 2 ;;
    esac
    # For the tests themselves (FabricTestSupport's TestSanitizer): memory peaks are the sanitizer's, not fabric's.
    export FABRIC_TEST_SANITIZER="$sanitizer"
    reports="$PWD/.build/sanitizers/$sanitizer"
    rm -rf "$reports"
    # World-writable and sticky: processes the tests start as other users (the hook user, fabric) report too.
    mkdir -p "$reports" && chmod 1777 "$reports"
    case "$sanitizer" in
        address) ASAN_OPTIONS+=":log_path=$reports/report" ;;
        thread) TSAN_OPTIONS+=":log_path=$reports/report" ;;
    esac

    start=$(date +%s)
    echo "sanitize: $sanitizer: building into $scratch" >&2
    swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
    built=$(date +%s)
    echo "sanitize: $sanitizer: testing" >&2
    # One test at a time, as in run-tests.sh (a 2-core machine's cooperative pool).
    set +e
    swift test --skip-build --no-parallel --sanitize="$sanitizer" --scratch-path "$scratch" 2>&1 |
        tee ".build/sanitize-$sanitizer-output.txt"
    tested=${PIPESTATUS[0]}
    set -e
    end=$(date +%s)

    found=$(find "$reports" -type f | sort)
    if [ -n "$found" ]; then
        for report in $found; do
            echo "sanitize: $sanitizer: report $report" >&2
            cat "$report" >&2
        done
        tested=1
    fi
    echo "sanitize: $sanitizer: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s," \
        "$([ "$tested" -eq 0 ] && echo clean || echo FAILED)" >&2
    [ "$tested" -eq 0 ] || status=1
    unset ASAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS FABRIC_TEST_SANITIZER
done
exit "$status"
