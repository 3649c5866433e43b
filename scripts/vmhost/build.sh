#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the VM test host: a stock Debian kernel plus a small initramfs holding the modules the
# machine's own kernel lacks (bonding, 8021q, dummy, openvswitch, ...).
#
#   scripts/vmhost/build.sh [CACHE_DIR]        (default: <repo>/.vmhost, git-ignored)
#
# Outputs in CACHE_DIR: vmlinuz, initrd.gz, kernel-version, ready (the completeness marker).
# Idempotent: when `ready` matches this script's inputs, nothing is downloaded or rebuilt. The
# kernel .deb is kept in CACHE_DIR/deb so that changing the module list rebuilds offline.
# VMHOST_REFRESH=1 re-resolves linux-image-amd64 (e.g. after a Debian point release).
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${1:-$repo_root/.vmhost}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

die() { echo "vmhost build: $*" >&2; exit 1; }

for tool in apt-cache apt-get dpkg depmod modprobe cpio gzip busybox flock sha256sum; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "missing tool '$tool' (apt-get install qemu-system-x86 busybox-static cpio kmod)"
done
busybox_bin="$(command -v busybox)"
# A dynamically linked busybox cannot run in the initramfs, which has no libc.
file_out="$(LC_ALL=C ldd "$busybox_bin" 2>&1 || true)"
case "$file_out" in
    *"not a dynamic executable"*|*"statically linked"*) ;;
    *) die "$busybox_bin is not static (apt-get install busybox-static)" ;;
esac

# Load order matters: crc32c_generic must precede openvswitch (libcrc32c's "unknown symbol"),
# and bonding and dummy must not create their own bond0 and dummy0.
modules=(crc32c_generic virtio_pci 9pnet_virtio 9p bonding dummy 8021q bridge veth tun macvlan openvswitch)
declare -A module_params=([bonding]="max_bonds=0" [dummy]="numdummies=0")

# The marker records what the outputs were built from; a changed script means a rebuild.
inputs_hash="$(cat "$0" "$repo_root/scripts/vmhost/init.sh" | sha256sum | cut -d' ' -f1)"

exec 9>"$cache/.lock"
flock 9

if [ -s "$cache/ready" ] && [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.gz" ] &&
    [ "$(sed -n 2p "$cache/ready")" = "$inputs_hash" ] && [ "${VMHOST_REFRESH:-0}" != 1 ]; then
    exit 0
fi
rm -f "$cache/ready"

# 1. Which kernel: the versioned package linux-image-amd64 depends on (reused once cached).
version=""
if [ "${VMHOST_REFRESH:-0}" != 1 ] && [ -s "$cache/kernel-version" ]; then
    version="$(cat "$cache/kernel-version")"
fi
if [ -z "$version" ]; then
    pkg="$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')"
    if [ -z "$pkg" ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        pkg="$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')"
    fi
    [ -n "$pkg" ] || die "cannot resolve linux-image-amd64 to a versioned kernel package (apt-cache depends linux-image-amd64)"
    version="${pkg#linux-image-}"
fi
pkg="linux-image-$version"

# 2. Download the package (never install it) unless cached.
mkdir -p "$cache/deb"
deb="$(ls "$cache/deb/${pkg}_"*.deb 2>/dev/null | head -n1 || true)"
if [ -z "$deb" ]; then
    fetch() { (cd "$cache/deb" && apt-get download -qq "$pkg" >/dev/null 2>"$cache/deb/download.log"); }
    if ! fetch; then
        apt-get update -qq >/dev/null 2>&1 || true
        fetch || die "cannot download $pkg: $(tail -n1 "$cache/deb/download.log")"
    fi
    deb="$(ls "$cache/deb/${pkg}_"*.deb 2>/dev/null | head -n1 || true)"
    [ -n "$deb" ] || die "apt-get download $pkg produced no .deb in $cache/deb"
    rm -f "$cache/deb/download.log"
fi
echo "$version" >"$cache/kernel-version"

# 3. Extract into a scratch tree and create modules.dep (the package ships none).
work="$cache/work"
rm -rf "$work"
mkdir -p "$work/kernel"
trap 'rm -rf "$work"' EXIT
dpkg -x "$deb" "$work/kernel"
[ -d "$work/kernel/lib/modules/$version" ] || die "$deb has no lib/modules/$version"
[ -s "$work/kernel/boot/vmlinuz-$version" ] || die "$deb has no boot/vmlinuz-$version"
depmod -b "$work/kernel" "$version"

# 4. The initramfs tree: busybox, the module closure in load order, /init.
initramfs="$work/initramfs"
moddir="lib/modules/$version"
mkdir -p "$initramfs"/{bin,dev,proc,sys,host,etc,"$moddir"}
ln -s bin "$initramfs/sbin"
cp "$busybox_bin" "$initramfs/bin/busybox"
for applet in $("$busybox_bin" --list); do
    [ -e "$initramfs/bin/$applet" ] || ln -s busybox "$initramfs/bin/$applet"
done

load_list="$initramfs/etc/vmhost-modules"
: >"$load_list"
declare -A seen=()
for m in "${modules[@]}"; do
    deps="$(modprobe -d "$work/kernel" -S "$version" --show-depends "$m" 2>&1)" ||
        die "module $m not in $pkg: $deps"
    while read -r verb path _; do
        [ "$verb" = insmod ] || continue  # "builtin X": nothing to load
        rel="${path#"$work/kernel/"}"
        name="$(basename "$rel")"; name="${name%%.ko*}"
        [ -z "${seen[$rel]:-}" ] || continue
        seen[$rel]=1
        mkdir -p "$initramfs/$(dirname "$rel")"
        cp "$path" "$initramfs/$rel"
        echo "/$rel ${module_params[${name//-/_}]:-}" >>"$load_list"
    done <<<"$deps"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
    [ -e "$work/kernel/$moddir/$f" ] && cp "$work/kernel/$moddir/$f" "$initramfs/$moddir/"
done
depmod -b "$initramfs" "$version"
case "$(head -n1 "$load_list")" in *.ko.xz*|*.ko.zst*|*.ko.gz*)
    die "$pkg ships compressed modules; busybox insmod cannot load them" ;;
esac

cp "$repo_root/scripts/vmhost/init.sh" "$initramfs/init"
chmod 755 "$initramfs/init"

# 5. Pack; move outputs into place only when complete.
(cd "$initramfs" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet | gzip -1) \
    >"$cache/initrd.gz.tmp"
cp "$work/kernel/boot/vmlinuz-$version" "$cache/vmlinuz.tmp"
mv "$cache/initrd.gz.tmp" "$cache/initrd.gz"
mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
printf '%s\n%s\n' "$version" "$inputs_hash" >"$cache/ready"
echo "vmhost build: kernel $version, initramfs $(du -k "$cache/initrd.gz" | cut -f1) KiB, $(wc -l <"$load_list") modules in $cache"
