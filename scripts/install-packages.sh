#!/usr/bin/env bash
# Installs the Debian packages fabric needs, only those missing. $1: build | test
# The test packages are the second column of scripts/test-programs (plus libvirt's QEMU driver).
set -euo pipefail
cd "$(dirname "$0")/.."
build=(libnl-3-dev libnl-route-3-dev libxml2-dev libssl-dev pkg-config iproute2)
want=("${build[@]}")
if [ "${1:-build}" = test ]; then
    read -r -a test <<<"$(awk '!/^#/ && NF == 2 { print $2 }' scripts/test-programs | sort -u | tr '\n' ' ')"
    want+=("${test[@]}" libvirt-daemon-driver-qemu)
fi
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's prometheus package enables and starts a server on :9090 where systemd runs; the tests start their own,
# by pid, inside a network namespace, and a host-wide one would scrape nothing of theirs.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
