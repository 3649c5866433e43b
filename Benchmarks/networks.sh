#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of GET /v1/networks (root; iproute2, Open vSwitch's ovsdb-server and ovs-vsctl, curl, wrk):
# a namespace with LINKS links, of which VNICS are provider vNIC ports on br-int of a private ovsdb-server
# (iface-id, vm-id, the Neutron agent's other_config), a vxlan tunnel per 100 vNICs on br-tun, and an OVN
# southbound database at the switch's ovn-remote (so the agent's OVN lookups run).
# Prints the document size, the latency with 32 clients and the agent's steady-state CPU; asserts nothing.
#   Benchmarks/networks.sh [LINKS=4096] [VNICS=1000] [CPU_SECONDS=60]
set -euo pipefail
links=${1:-4096} vnics=${2:-1000} seconds=${3:-60}
cd "$(dirname "$0")/.."
agent=${FABRIC_AGENT:-.build/release/fabric-agent}
[ -x "$agent" ] || { echo "build fabric-agent first (swift build -c release)" >&2; exit 1; }
ns=fabric-nbench-$$ dir=$(mktemp -d /tmp/fabric-nbench.XXXXXX) pid= dbpid= sbpid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    [ -n "$dbpid" ] && kill "$dbpid" 2>/dev/null
    [ -n "$sbpid" ] && kill "$sbpid" 2>/dev/null
    wait 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
for ((i = 0; i < links / 2; i++)); do echo "link add b$i type veth peer name c$i"; done > "$dir/batch"
ip -n "$ns" -batch "$dir/batch"

# The database only (no ovs-vswitchd): the agent classifies by the database, and the ports need no datapath.
ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --pidfile="$dir/ovsdb.pid" --unixctl="$dir/ovsdb.ctl" \
    --log-file="$dir/ovsdb.log" --detach
dbpid=$(cat "$dir/ovsdb.pid")
vsctl() { ovs-vsctl --db="unix:$dir/db.sock" --no-wait "$@"; }
vsctl init
# OVN's southbound database (no ovn-controller): the agent polls it every 2 s for the 1,000 vNICs' bindings.
ovsdb-tool create "$dir/sb.db" /usr/share/ovn/ovn-sb.ovsschema
ovsdb-server "$dir/sb.db" --remote="punix:$dir/sb.sock" --pidfile="$dir/sb.pid" --unixctl="$dir/sb.ctl" \
    --log-file="$dir/sb.log" --detach
sbpid=$(cat "$dir/sb.pid")
vsctl set Open_vSwitch . external_ids:ovn-remote="unix:$dir/sb.sock" external_ids:system-id=bench-host \
    external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=192.0.2.1
{
    echo "--may-exist add-br br-int -- --may-exist add-br br-tun"
    for ((i = 0; i < vnics; i++)); do
        net=$(printf '5d1e7c8a-0000-4000-8000-%012d' $((i % 50)))
        echo "-- add-port br-int c$i tag=$((i % 50 + 1)) -- set Interface c$i external_ids:iface-id=$(printf '8f14e45f-0000-4000-8000-%012d' "$i")" \
             "external_ids:vm-id=$(printf 'c3d2e1f0-0000-4000-8000-%012d' $((i / 4)))" \
             "-- set Port c$i other_config:net_uuid=$net other_config:network_type=vxlan other_config:segmentation_id=$((1000 + i % 50))"
    done
    for ((i = 0; i < vnics / 100; i++)); do
        echo "-- add-port br-tun vxlan-$i -- set Interface vxlan-$i type=vxlan options:remote_ip=192.0.2.$((i + 10)) options:local_ip=192.0.2.1"
    done
} | tr '\n' ' ' > "$dir/vsctl-args"
# shellcheck disable=SC2046
vsctl $(cat "$dir/vsctl-args")
printf '[ovs]\nintegration_bridge = br-int\ntunnel_bridge = br-tun\n[agent]\ntunnel_types = vxlan\n' > "$dir/ovs.ini"
echo "links in namespace: $(ip -n "$ns" -o link | wc -l); vNIC ports on br-int: $(vsctl list-ports br-int | wc -l); agent: $agent"

MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 ip netns exec "$ns" "$agent" serve --listen 127.0.0.1:0 \
    --ready-file "$dir/ready" --ovsdb "unix:$dir/db.sock" --neutron-ovs-agent-config "$dir/ovs.ini" \
    --neutron-linuxbridge-agent-config /nonexistent --log-level warning 2>"$dir/agent.log" &
pid=$!
for _ in $(seq 200); do [ -s "$dir/ready" ] && break; sleep 0.1; done
url=$(cat "$dir/ready")
sleep 10  # first dumps, the database, two counter samples
networks=$(ip netns exec "$ns" curl -s "$url/v1/networks")
echo "/v1/networks: $(printf '%s' "$networks" | wc -c) bytes, $(printf '%s' "$networks" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["networks"]), "networks,", len(d["providerPorts"]), "provider ports,", len(d["tunnels"]), "tunnels")')"

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); sleep "$seconds"; t1=$(ticks)
echo "steady state over ${seconds}s: CPU $(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }')% of one core, RSS $(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")"
ip netns exec "$ns" wrk -t2 -c32 -d20s --latency "$url/v1/networks" | sed -n '/Latency Distribution/,/Transfer/p'
net=$(printf '5d1e7c8a-0000-4000-8000-%012d' 7)
ip netns exec "$ns" wrk -t2 -c32 -d20s --latency "$url/v1/networks/$net" | sed -n '/Latency Distribution/,/Requests\/sec/p'
echo "agent peak RSS over the whole run (VmHWM): $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
