#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs one shell script inside the VM test host (scripts/vmhost/build.sh must have run).
#
#   scripts/vmhost/run.sh SCRIPT [RESULTS_DIR]
#
# The guest is a stock Debian kernel under QEMU TCG with no NIC. It sees this machine's root
# read-only and runs SCRIPT with /bin/bash chrooted into it, so `ip`, `ovs-*` and the project's
# binaries are this machine's. Writable in the guest: tmpfs at /run, /tmp, /var/tmp, /var/log,
# /etc/openvswitch, /var/lib/openvswitch, and RESULTS_DIR, mounted at $FABRIC_RESULTS
# (/run/results). Environment variables named FABRIC_* are passed to the script.
#
# Exit status: the script's own; 124 when the VM hit the time limit (VMHOST_TIMEOUT seconds,
# default 300); 125 when the VM ended without a status (init failure, panic). The kernel console
# is saved to RESULTS_DIR/console.log (echoed live when VMHOST_VERBOSE=1). RESULTS_DIR defaults to
# a new temporary folder whose path is printed on stderr.
#
# Note: the host's /run, /tmp and /var/tmp are hidden in the guest by its own tmpfs, so binaries
# and files the script uses must live elsewhere (SCRIPT itself is copied into RESULTS_DIR).
set -euo pipefail

usage() { echo "usage: $0 SCRIPT [RESULTS_DIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
script="$1"
[ -f "$script" ] && [ -r "$script" ] || { echo "vmhost run: no readable script '$script'" >&2; exit 2; }

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${VMHOST_CACHE:-$repo_root/.vmhost}"
timeout_s="${VMHOST_TIMEOUT:-300}"

if [ ! -s "$cache/ready" ] || [ ! -s "$cache/vmlinuz" ] || [ ! -s "$cache/initrd.gz" ]; then
    echo "vmhost run: the VM test host is not built in $cache (run scripts/vmhost/build.sh)" >&2
    exit 2
fi
qemu="$(command -v qemu-system-x86_64 || true)"
[ -n "$qemu" ] || { echo "vmhost run: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 2; }

if [ $# -ge 2 ]; then
    results="$2"
    mkdir -p "$results"
else
    results="$(mktemp -d "${TMPDIR:-/tmp}/vmhost-results.XXXXXX")"
    echo "vmhost run: results in $results" >&2
fi
results="$(cd "$results" && pwd)"

# The job: the script and the forwarded environment, inside the writable export.
rm -rf "$results/.vmhost" "$results/exit-status" "$results/init-error" "$results/console.log"
mkdir -p "$results/.vmhost"
cp "$script" "$results/.vmhost/script.sh"
: >"$results/.vmhost/env"
while IFS='=' read -r name _; do
    case "$name" in
        FABRIC_RESULTS|FABRIC_IN_VMHOST) ;;  # set by the guest itself
        FABRIC_AGENT)
            # The guest's /tmp, /run and /var/tmp are its own tmpfs, so a binary built under them (a CI
            # clone in /tmp) would be invisible: ship it through the results export instead.
            cp "${!name}" "$results/.vmhost/fabric-agent"
            printf 'export FABRIC_AGENT=/run/results/.vmhost/fabric-agent\n' >>"$results/.vmhost/env" ;;
        FABRIC_*) printf 'export %s=%q\n' "$name" "${!name}" >>"$results/.vmhost/env" ;;
    esac
done < <(env)

# TCG only: KVM does not work on these machines. -cpu max gives SSE4.2 and friends, so
# modules such as crc32c-intel load as on real hardware.
qemu_args=(
    -accel tcg -cpu max -m 1024 -smp 2
    -nographic -no-reboot -nic none -monitor none -serial stdio
    -kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz"
    -append "console=ttyS0 quiet panic=-1 rdinit=/init"
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$results,mount_tag=results,security_model=none,multidevs=remap"
)

console="$results/console.log"
started=$(date +%s.%N)
set +e
if [ "${VMHOST_VERBOSE:-0}" = 1 ]; then
    timeout --kill-after=10 "$timeout_s" "$qemu" "${qemu_args[@]}" </dev/null 2>&1 | tee "$console"
    qemu_status=${PIPESTATUS[0]}
else
    timeout --kill-after=10 "$timeout_s" "$qemu" "${qemu_args[@]}" </dev/null >"$console" 2>&1
    qemu_status=$?
fi
set -e
elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
rm -rf "$results/.vmhost"

if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
    echo "vmhost run: the VM did not finish within ${timeout_s}s (console: $console)" >&2
    tail -n 30 "$console" >&2 || true
    exit 124
fi
if [ ! -s "$results/exit-status" ]; then
    echo "vmhost run: the VM ended without an exit status (qemu status $qemu_status, console: $console)" >&2
    tail -n 30 "$console" >&2 || true
    exit 125
fi
status="$(tr -d '[:space:]' <"$results/exit-status")"
case "$status" in ''|*[!0-9]*) echo "vmhost run: bad exit-status '$status'" >&2; exit 125 ;; esac
echo "vmhost run: exit status $status after ${elapsed}s" >&2
if [ "$status" -ne 0 ] && [ "${VMHOST_VERBOSE:-0}" != 1 ]; then
    tail -n 30 "$console" >&2 || true
fi
exit "$status"
