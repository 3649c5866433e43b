#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# after_get_caps run as VDSM runs it (user vdsm, group kvm, a fresh 0600 caps file per run): its time and the
# bytes it adds to the capabilities, at N links, with the agent up (the served table) and down (an instant
# snapshot, run in the links' namespace). Root; needs the users of scripts/ovirt-host-setup.sh, hyperfine.
#   Benchmarks/caps.sh [BINDIR] [SIZES...]        (default: the release build, 256 4096)
set -euo pipefail
cd "$(dirname "$0")/.."
# The hook reads its agent socket only from /etc/fabric/hooks.conf: give it one in a private mount namespace.
if [ -z "${CAPS_BENCH_NAMESPACE:-}" ]; then
    exec env CAPS_BENCH_NAMESPACE=1 unshare --mount --propagation private -- "$0" "$@"
fi
bin="${1:-$(swift build -c release --static-swift-stdlib --show-bin-path)}"
shift || true
sizes=("${@:-256 4096}")
read -r -a sizes <<<"${sizes[*]}"
runs=${RUNS:-30}
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }
id vdsm >/dev/null 2>&1 || { echo "no user vdsm: run scripts/ovirt-host-setup.sh" >&2; exit 1; }

ns="" dir=$(mktemp -d /tmp/fabric-capsbench.XXXXXX) pid=""
cleanup() { umount /etc 2>/dev/null || true; [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
chmod 0755 "$dir"
mkdir -p "$dir/hooks/after_get_caps" "$dir/run" "$dir/vdsm" "$dir/etc/fabric"
echo "agent_socket = $dir/run/agent.sock" >"$dir/etc/fabric/hooks.conf"
chmod 0755 "$dir/etc" "$dir/etc/fabric"
mount -t overlay fabric-settings -o "lowerdir=$dir/etc:/etc" /etc
cp "$bin/after_get_caps" "$dir/hooks/after_get_caps/50_fabric"
# A VDSM-sized capabilities document the hook must keep (about 6 kB).
python3 - "$dir/base.json" <<'PY'
import json, sys
caps = {"kvmEnabled": "true", "cpuCores": "4", "version_name": "Snow Man", "software_version": "4.50.3",
        "networks": {f"net{i}": {"mtu": "1500", "bridged": True, "iface": f"net{i}", "addr": f"10.0.{i}.1"} for i in range(40)},
        "nics": {f"eno{i}": {"speed": 10000, "hwaddr": f"52:54:00:00:00:{i:02x}"} for i in range(8)}}
json.dump(caps, open(sys.argv[1], "w"))
PY
chown -R vdsm:kvm "$dir/hooks" "$dir/vdsm"
base=$(wc -c <"$dir/base.json")
run_as_vdsm="setpriv --reuid=vdsm --regid=kvm --init-groups env -i PATH=/usr/bin:/bin _hook_json=$dir/vdsm/caps.json $dir/hooks/after_get_caps/50_fabric"
prepare="install -o vdsm -g kvm -m 0600 $dir/base.json $dir/vdsm/caps.json"

echo "machine: $(nproc) cores, kernel $(uname -r); hook $bin/after_get_caps; caps before: $base bytes; runs: $runs"
for n in "${sizes[@]}"; do
    ns=fabric-caps-$$-$n
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    for ((i = 0; i < (n - 1) / 2; i++)); do echo "link add b$i type veth peer name c$i"; done >"$dir/batch"
    ip -n "$ns" -batch "$dir/batch"
    links=$(ip -n "$ns" -o link | wc -l)
    chown fabric:fabric "$dir/run"
    ip netns exec "$ns" setpriv --reuid=fabric --regid=fabric --groups=kvm --bounding-set=-all --no-new-privs \
        "$bin/fabric-agent" serve --listen "unix:$dir/run/agent.sock" --ready-file "$dir/run/ready" \
        --ovsdb unix:/nonexistent.sock --sample-interval 5 --log-level warning 2>"$dir/agent.log" &
    pid=$!
    for _ in $(seq 300); do [ -s "$dir/run/ready" ] && break; sleep 0.1; done
    sleep 6  # two counter samples: the served table has rates

    $prepare && $run_as_vdsm && up_bytes=$(($(wc -c <"$dir/vdsm/caps.json") - base))
    grep -q '"answered":true' "$dir/vdsm/caps.json" || { echo "the hook did not get the agent's table" >&2; exit 1; }
    hyperfine -N -w 3 -r "$runs" --prepare "$prepare" --export-json "$dir/up.json" "$run_as_vdsm" >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; rm -f "$dir/run/ready"

    $prepare && ip netns exec "$ns" $run_as_vdsm 2>/dev/null && down_bytes=$(($(wc -c <"$dir/vdsm/caps.json") - base))
    grep -q '"answered":false' "$dir/vdsm/caps.json" || { echo "the hook did not fall back" >&2; exit 1; }
    hyperfine -N -w 3 -r "$runs" --prepare "$prepare" --export-json "$dir/down.json" "ip netns exec $ns $run_as_vdsm" >/dev/null
    hyperfine -N -w 3 -r "$runs" --export-json "$dir/netns.json" "ip netns exec $ns true" >/dev/null
    python3 - "$links" "$up_bytes" "$down_bytes" "$dir" <<'PY'
import json, sys
links, up_bytes, down_bytes, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def median(name):
    r = json.load(open(f"{d}/{name}.json"))["results"][0]
    return r["median"] * 1000, r["stddev"] * 1000
up, netns = median("up"), median("netns")
down = median("down")
print(f"{links:5d} links  agent up:   median {up[0]:6.1f} ms (σ {up[1]:.1f}), adds {up_bytes:9,d} bytes")
print(f"{links:5d} links  agent down: median {down[0]:6.1f} ms (σ {down[1]:.1f}; `ip netns exec` alone {netns[0]:.1f} ms), adds {down_bytes:9,d} bytes")
PY
    ip netns del "$ns"; ns=""
done
