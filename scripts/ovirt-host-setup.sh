#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Lays out this machine's users and groups the way an EL oVirt host has them, for the oVirt host layout
# tests (Tests/IntegrationTests/OVirtHostLayoutTests.swift):
#   - vdsm (uid 36) in kvm (gid 36), also in qemu, as VDSM's package creates them;
#   - openvswitch in hugetlbfs, as EL's Open vSwitch package creates them (it runs as openvswitch:hugetlbfs);
#   - neutron, the group of /etc/neutron on a host with a Neutron agent;
#   - fabric and its groups from systemd/fabric.sysusers, applied by systemd-sysusers as a package would.
# Idempotent; never changes an existing user's or group's id. Run as root before libvirt-setup.sh, so that
# kvm gets gid 36 on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "ovirt-host-setup: run as root" >&2; exit 1; }

group() {  # name [gid]
    getent group "$1" >/dev/null && return
    if [ -n "${2:-}" ] && ! getent group "$2" >/dev/null; then groupadd --system --gid "$2" "$1"; else groupadd --system "$1"; fi
}
user() {  # name uid primary-group supplementary-groups
    id "$1" >/dev/null 2>&1 && { usermod -a -G "$4" "$1"; return; }
    if [ -n "$2" ] && ! getent passwd "$2" >/dev/null; then uid=(--uid "$2"); else uid=(); fi
    useradd --system "${uid[@]}" --no-create-home --home-dir /var/lib/vdsm --shell /usr/sbin/nologin \
        -g "$3" -G "$4" "$1"
}

group kvm 36
group qemu 107
group hugetlbfs
group neutron
group openvswitch
user vdsm 36 kvm qemu
user openvswitch "" openvswitch hugetlbfs
systemd-sysusers "$PWD/systemd/fabric.sysusers"
