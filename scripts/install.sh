#!/usr/bin/env bash
# Installs fabric: scripts/install.sh DESTDIR PREFIX HOOKS_DIR BINDIR (called by `make install`).
# Each hook goes to $DESTDIR$HOOKS_DIR/<point>/50_fabric, mode 0755; before_nic_hotplug gets the
# before_device_create binary. Nothing else is put into hook folders, because VDSM runs every executable there.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 DESTDIR PREFIX HOOKS_DIR BINDIR" >&2; exit 64; }
destdir=$1 prefix=$2 hooks_dir=$3 bindir=$4
cd "$(dirname "$0")/.."

install_hook() {  # point binary
    install -D -m 0755 "$bindir/$2" "$destdir$hooks_dir/$1/50_fabric"
}
install_hook before_device_create before_device_create
install_hook before_nic_hotplug before_device_create
install_hook before_vm_start before_vm_start
install_hook after_update_device after_update_device
install_hook after_get_caps after_get_caps
install -D -m 0755 "$bindir/fabric-agent" "$destdir$prefix/bin/fabric-agent"
if [ -f systemd/fabric-agent.service ]; then
    install -D -m 0644 systemd/fabric-agent.service "$destdir/usr/lib/systemd/system/fabric-agent.service"
fi
