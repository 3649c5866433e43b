#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Prepares this machine for the hook end-to-end tests (Tests/IntegrationTests/HooksEndToEndTests.swift and
# PrivilegedHookTests.swift): a real libvirtd with the QEMU driver (TCG guests), Open vSwitch binaries for the
# tests' private sandbox, sudo, and an unprivileged `fabrictest` user that plays VDSM's `vdsm`.
# Idempotent: installs only what is missing, edits qemu.conf only where a setting
# differs, starts virtlogd/libvirtd only when they are not running. Never stops anything.
#
#   scripts/libvirt-setup.sh          (as root, or with sudo available)
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "libvirt-setup: run as root" >&2; exit 1; }

packages=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 openvswitch-switch
          busybox-static cpio sudo util-linux)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "libvirt-setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Users and groups libvirt's QEMU driver and the tests expect.
getent group kvm >/dev/null || groupadd --system kvm
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
id libvirt-qemu >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin -g libvirt-qemu -G kvm libvirt-qemu
# The stand-in for vdsm: no home, no login, no groups; only the tests' temporary sudoers drop-ins name it.
id fabrictest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin --user-group fabrictest

# qemu.conf: run QEMU as root without cgroups, namespaces or a security driver (a container has none of them).
conf=/etc/libvirt/qemu.conf
mkdir -p /etc/libvirt
touch "$conf"
changed=0
set_key() {  # key value
    if grep -Eq "^[[:space:]]*$1[[:space:]]*=[[:space:]]*$(printf '%s' "$2" | sed 's/[][\.*^$/]/\\&/g')[[:space:]]*$" "$conf"; then
        return
    fi
    sed -i -E "/^[[:space:]]*$1[[:space:]]*=/d" "$conf"
    printf '%s = %s\n' "$1" "$2" >>"$conf"
    changed=1
}
set_key user '"root"'
set_key group '"root"'
set_key dynamic_ownership 0
set_key remember_owner 0
set_key namespaces '[]'
set_key cgroup_controllers '[]'
set_key security_driver '"none"'

mkdir -p /var/log/libvirt /run/libvirt /run/openvswitch

running() {  # pidfile
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}
running /run/virtlogd.pid || virtlogd -d
if running /run/libvirtd.pid; then
    [ "$changed" -eq 0 ] ||
        echo "libvirt-setup: $conf changed while libvirtd was running; restart libvirtd to apply it" >&2
else
    libvirtd -d
fi
for _ in $(seq 1 100); do
    virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
    sleep 0.1
done
echo "libvirt-setup: libvirtd does not answer on qemu:///system" >&2
exit 1
