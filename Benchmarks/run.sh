#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every benchmark, one after the other, on the release build (`make bench`; root). Figures, with the
# reference measured in the same run, go to docs/BENCHMARKS.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
echo "== inventory: fabric-agent show and one snapshot beside ip =="
Benchmarks/inventory.sh "$bin"
echo "== hooks: per invocation as VDSM runs them =="
Benchmarks/hooks.sh "$bin"
echo "== before_device_create next to the floors under it: Swift runtime, libxml2's libraries, an empty process =="
Benchmarks/hook-start.sh "$bin"
echo "== after_get_caps as vdsm: time and bytes added, agent up and down =="
Benchmarks/caps.sh "$bin"
echo "== the agent at 4,096 links: CPU, memory, event latency beside ip monitor, API latency =="
FABRIC_AGENT="$bin/fabric-agent" Benchmarks/agent.sh 4096 60
echo "== the networks at 4,096 links and 1,000 vNIC ports, with OVN lookups: /v1/networks latency, CPU =="
FABRIC_AGENT="$bin/fabric-agent" Benchmarks/networks.sh 4096 1000 60
