#!/usr/bin/env bash
# Times fabric's hooks per invocation the way VDSM runs them (new process, fresh temp file, environment) and
# their peak memory; optionally the Python reference `openstacknet` before_device_create hook for comparison.
#
#   Benchmarks/hooks.sh [BINDIR]
#   REFERENCE_HOOK=/path/to/vdsm_hooks/openstacknet/before_device_create.py \
#   REFERENCE_PYTHONPATH=/path/to/vdsm/lib:/path/to/vdsm/lib/vdsm/hook  Benchmarks/hooks.sh
#
# BINDIR defaults to the release build (`swift build -c release --static-swift-stdlib`). Nothing is fetched:
# without REFERENCE_HOOK the reference is skipped. RUNS (default 300) sets hyperfine's run count.
set -euo pipefail
cd "$(dirname "$0")/.."
bindir=${1:-$(swift build -c release --static-swift-stdlib --show-bin-path)}
runs=${RUNS:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }

id=8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f
vm=5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f
cp Tests/WiringRulesTests/Fixtures/engine-interface.xml "$work/interface.xml"
# A 64-NIC engine-style domain, every vNIC on a provider network.
python3 - "$work/domain64.xml" <<'PY'
import sys
meta, devs = [], []
for i in range(64):
    mac = "56:6f:1a:2b:%02x:%02x" % (i // 256, i % 256)
    vid = "%08x-0000-4000-8000-%012x" % (i, i)
    meta.append(f'''            <ovirt-vm:device mac_address="{mac}">
                <ovirt-vm:custom>
                    <ovirt-vm:vnic_id>{vid}</ovirt-vm:vnic_id>
                    <ovirt-vm:provider_type>EXTERNAL_NETWORK</ovirt-vm:provider_type>
                    <ovirt-vm:plugin_type>OVIRT_PROVIDER_OVN</ovirt-vm:plugin_type>
                </ovirt-vm:custom>
            </ovirt-vm:device>''')
    devs.append(f'''        <interface type="bridge">
            <model type="virtio" />
            <source bridge="ovirtmgmt" />
            <alias name="ua-{vid}" />
            <address bus="0x{i + 1:02x}" domain="0x0000" function="0x0" slot="0x00" type="pci" />
            <mac address="{mac}" />
            <mtu size="1442" />
            <filterref filter="vdsm-no-mac-spoofing" />
        </interface>''')
nl = "\n"
open(sys.argv[1], "w").write(f'''<?xml version='1.0' encoding='utf-8'?>
<domain xmlns:ovirt-vm="http://ovirt.org/vm/1.0" type="kvm">
    <name>bench</name>
    <metadata>
        <ovirt-vm:vm>
{nl.join(meta)}
        </ovirt-vm:vm>
    </metadata>
    <devices>
{nl.join(devs)}
    </devices>
</domain>''')
PY

# hyperfine passes its own environment to every run, so the hook environment is exported rather than
# wrapped in `env` (one exec less per run, as under VDSM).
export _hook_domxml="$work/data" vmId="$vm"
bindir=$(cd "$bindir" && pwd)
reference=()
if [ -n "${REFERENCE_HOOK:-}" ] && [ -f "$REFERENCE_HOOK" ]; then
    reference=(-n "reference openstacknet before_device_create" --prepare "cp $work/interface.xml $work/data"
               "/usr/bin/python3 $REFERENCE_HOOK")
else
    echo "REFERENCE_HOOK not set or missing: skipping the Python reference" >&2
fi
# The reference writes launch-flag and unpause marker files relative to its run directory setting; keep any
# such side effects inside the scratch folder.
cd "$work"
# Device hooks get the vNIC's custom properties; before_vm_start gets none (VDSM passes VM-level ones only).
(
    export provider_type=OPENSTACK_NETWORK plugin_type=OPEN_VSWITCH vnic_id="$id" PYTHONPATH="${REFERENCE_PYTHONPATH:-}"
    hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/device.json" \
        -n "fabric before_device_create" --prepare "cp $work/interface.xml $work/data" "$bindir/before_device_create" \
        "${reference[@]}" >&2
)
hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/domain.json" \
    -n "fabric before_vm_start (64 NICs)" --prepare "cp $work/domain64.xml $work/data" "$bindir/before_vm_start" >&2
python3 - "$work/device.json" "$work/domain.json" <<'PY'
import json, sys
rows = [r for path in sys.argv[1:] for r in json.load(open(path))["results"]]
print("| command | runs | median ms | p95 ms | mean ms |")
print("|---|---|---|---|---|")
for r in rows:
    t = sorted(r["times"])
    p95 = t[min(len(t) - 1, round(0.95 * (len(t) - 1)))]
    print(f"| {r['command']} | {len(t)} | {r['median']*1000:.2f} | {p95*1000:.2f} | {r['mean']*1000:.2f} |")
PY
for hook in before_device_create before_vm_start; do
    input=interface.xml; [ "$hook" = before_vm_start ] && input=domain64.xml
    cp "$work/$input" "$work/data"
    rss=$(provider_type=OPENSTACK_NETWORK plugin_type=OPEN_VSWITCH vnic_id="$id" /usr/bin/time -f %M "$bindir/$hook" 2>&1 >/dev/null | tail -1)
    echo "peak RSS $hook: $rss KiB"
done
if [ ${#reference[@]} -gt 0 ]; then
    cp "$work/interface.xml" "$work/data"
    rss=$(provider_type=OPENSTACK_NETWORK plugin_type=OPEN_VSWITCH vnic_id="$id" PYTHONPATH="${REFERENCE_PYTHONPATH:-}" \
        /usr/bin/time -f %M /usr/bin/python3 "$REFERENCE_HOOK" 2>&1 >/dev/null | tail -1)
    echo "peak RSS reference before_device_create: $rss KiB"
fi
