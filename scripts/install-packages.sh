#!/usr/bin/env bash
# Installs the Debian packages fabric needs, only those missing. $1: build | test
set -euo pipefail
build=(libnl-3-dev libnl-route-3-dev libxml2-dev pkg-config iproute2)
test=(openvswitch-switch libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
      busybox-static cpio kmod hyperfine python3 sudo time)
want=("${build[@]}")
[ "${1:-build}" = test ] && want+=("${test[@]}")
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
