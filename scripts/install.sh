#!/usr/bin/env bash
# Installs fabric: scripts/install.sh DESTDIR PREFIX HOOKS_DIR BINDIR (called by `make install`).
# Each hook goes to $DESTDIR$HOOKS_DIR/<point>/50_fabric, mode 0755; before_nic_hotplug gets the
# before_device_create binary, and the after_update_device binary also serves after_device_create,
# after_nic_hotplug and after_device_migrate_destination (it dispatches on its folder's name). Nothing else is
# put into hook folders, because VDSM runs every executable there. The after-hooks run as vdsm and reach root
# only through /usr/libexec/fabric/fabric-wire, allowed by /etc/sudoers.d/50_vdsm_hook_fabric (0440).
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 DESTDIR PREFIX HOOKS_DIR BINDIR" >&2; exit 64; }
destdir=$1 prefix=$2 hooks_dir=$3 bindir=$4
cd "$(dirname "$0")/.."

install_hook() {  # point binary
    install -D -s -m 0755 "$bindir/$2" "$destdir$hooks_dir/$1/50_fabric"
}
# A hook point served by the same binary gets a hard link: still a regular executable file for VDSM, one copy
# on disk and in a package.
link_hook() {  # point first-point
    mkdir -p "$destdir$hooks_dir/$1"
    ln -f "$destdir$hooks_dir/$2/50_fabric" "$destdir$hooks_dir/$1/50_fabric"
}
install_hook before_device_create before_device_create
link_hook before_nic_hotplug before_device_create
install_hook before_vm_start before_vm_start
install_hook after_update_device after_update_device
for point in after_device_create after_nic_hotplug after_device_migrate_destination; do
    link_hook "$point" after_update_device
done
install -D -s -m 0755 "$bindir/fabric-wire" "$destdir/usr/libexec/fabric/fabric-wire"
# sudo ignores a drop-in that is group/world-writable; visudo refuses a broken one before it can lock out sudo.
if command -v visudo >/dev/null 2>&1; then
    visudo -cqf packaging/sudoers.d/50_vdsm_hook_fabric
fi
install -D -m 0440 packaging/sudoers.d/50_vdsm_hook_fabric "$destdir/etc/sudoers.d/50_vdsm_hook_fabric"
install_hook after_get_caps after_get_caps
install -D -s -m 0755 "$bindir/fabric-agent" "$destdir$prefix/bin/fabric-agent"
# `fabric-agent serve` execs the daemon from here.
install -D -s -m 0755 "$bindir/fabric-agentd" "$destdir/usr/libexec/fabric/fabric-agentd"
if [ -f systemd/fabric-agent.service ]; then
    install -D -m 0644 systemd/fabric-agent.service "$destdir/usr/lib/systemd/system/fabric-agent.service"
fi
# The agent's user and the groups its unit names; a package runs systemd-sysusers on it before starting the unit.
install -D -m 0644 systemd/fabric.sysusers "$destdir/usr/lib/sysusers.d/fabric.conf"
# Every key, commented out with its default; packages mark it %config(noreplace).
if [ -e "$destdir/etc/fabric/agent.conf" ]; then
    echo "install: keeping the existing $destdir/etc/fabric/agent.conf" >&2
else
    install -D -m 0644 packaging/agent.conf "$destdir/etc/fabric/agent.conf"
fi
install -D -m 0644 LICENSE "$destdir$prefix/share/licenses/fabric/LICENSE"
# The unit's Documentation= and `systemctl help fabric-agent` point here.
for doc in agent.md hooks.md classification.md host-table-schema.md; do
    install -D -m 0644 "docs/$doc" "$destdir/usr/share/doc/fabric/$doc"
done
