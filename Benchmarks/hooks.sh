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
cp Tests/FabricWiringTests/Fixtures/engine-interface.xml "$work/interface.xml"
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

device_env="env _hook_domxml=$work/data vmId=$vm provider_type=OPENSTACK_NETWORK plugin_type=OPEN_VSWITCH vnic_id=$id"
commands=(
    -n "fabric before_device_create" --prepare "cp $work/interface.xml $work/data"
    "$device_env $bindir/before_device_create"
    -n "fabric before_vm_start (64 NICs)" --prepare "cp $work/domain64.xml $work/data"
    "env _hook_domxml=$work/data vmId=$vm $bindir/before_vm_start"
)
if [ -n "${REFERENCE_HOOK:-}" ] && [ -f "$REFERENCE_HOOK" ]; then
    commands+=(
        -n "reference openstacknet before_device_create" --prepare "cp $work/interface.xml $work/data"
        "$device_env PYTHONPATH=${REFERENCE_PYTHONPATH:-} /usr/bin/python3 $REFERENCE_HOOK"
    )
else
    echo "REFERENCE_HOOK not set or missing: skipping the Python reference" >&2
fi
# The reference writes launch-flag and unpause marker files relative to its run directory setting; keep any
# such side effects inside the scratch folder.
bindir=$(cd "$bindir" && pwd)
cd "$work"
hyperfine -N --warmup 10 --runs "$runs" --export-markdown "$work/times.md" "${commands[@]}" >&2
cat "$work/times.md"

echo
echo "| hook | peak RSS (KiB) |"
echo "|---|---|"
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
cp "$work/interface.xml" "$work/data"
echo "| fabric before_device_create | $(rss $device_env "$bindir/before_device_create") |"
cp "$work/domain64.xml" "$work/data"
echo "| fabric before_vm_start (64 NICs) | $(rss env _hook_domxml="$work/data" vmId=$vm "$bindir/before_vm_start") |"
if [ -n "${REFERENCE_HOOK:-}" ] && [ -f "$REFERENCE_HOOK" ]; then
    cp "$work/interface.xml" "$work/data"
    echo "| reference before_device_create | $(rss $device_env PYTHONPATH="${REFERENCE_PYTHONPATH:-}" /usr/bin/python3 "$REFERENCE_HOOK") |"
fi
