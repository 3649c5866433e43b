#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Inventory benchmark (issue: host table): in a namespace with N links, one in-process snapshot
# (socket, link dump, address dump, classification) and `fabric-agent show --no-rates` as a whole
# process, side by side with `ip -d -j link show` + `ip -j addr show`, in one run; plus peak RSS.
# Usage: Benchmarks/inventory.sh [BINDIR] [SIZES...]   (root; BINDIR defaults to the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --static-swift-stdlib --show-bin-path)}"
shift || true
sizes=("${@:-256 1024 4096}")
read -r -a sizes <<<"${sizes[*]}"
runs="${RUNS:-30}"

namespace=""
cleanup() { [ -n "$namespace" ] && ip netns del "$namespace" 2>/dev/null || true; }
trap cleanup EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(ip -V)"
for n in "${sizes[@]}"; do
    namespace="fabric-bench-$n-$$"
    ip netns add "$namespace"
    batch=$(mktemp)
    # lo plus (n-1) links: veth pairs, a quarter of them with an IPv4 address.
    pairs=$(((n - 1) / 2))
    for ((i = 0; i < pairs; i++)); do
        echo "link add vb$i type veth peer name vc$i"
        if ((i % 4 == 0)); then echo "addr add 10.$((i / 65536 % 256)).$((i / 256 % 256)).$((i % 256))/32 dev vb$i"; fi
    done >"$batch"
    ip -n "$namespace" -batch "$batch"
    rm -f "$batch"
    links=$(ip -n "$namespace" -o link show | wc -l)
    echo
    echo "== $links links"
    "$bin/inventory-bench" "$namespace" "$runs"
    hyperfine --style basic --warmup 3 --runs "$runs" --export-markdown "/tmp/fabric-bench-$n.md" \
        -n "ip link + ip addr" "ip -n $namespace -d -j link show >/dev/null; ip -n $namespace -j addr show >/dev/null" \
        -n "fabric-agent show --no-rates" "$bin/fabric-agent show --no-rates --netns $namespace --ovsdb unix:/nonexistent >/dev/null" \
        2>&1 | grep -E 'Time|±|faster|ip link|fabric-agent' || true
    rss=$(/usr/bin/time -f %M "$bin/fabric-agent" show --no-rates --netns "$namespace" --ovsdb unix:/nonexistent 2>&1 >/dev/null | tail -1)
    json_rss=$(/usr/bin/time -f %M "$bin/fabric-agent" show --json --no-rates --netns "$namespace" --ovsdb unix:/nonexistent 2>&1 >/dev/null | tail -1)
    echo "peak RSS: show --no-rates ${rss} KiB, show --json --no-rates ${json_rss} KiB"
    ip netns del "$namespace"
    namespace=""
done
