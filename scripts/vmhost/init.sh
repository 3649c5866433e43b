#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# /init of the VM test host's initramfs (busybox sh). Loads the modules, mounts the build
# machine's root read-only over 9p at /host, makes the folders that must be writable tmpfs,
# mounts the writable results export at /host/run/results, runs the job there with bash in a
# chroot, records its exit status in results/exit-status and powers off. If anything here
# fails the status file is written with the reason (when possible) and the VM still powers off.

export PATH=/bin
results=/host/run/results

say() { echo "vmhost: $*"; }

finish() {
    sync
    umount "$results" 2>/dev/null
    poweroff -f
    # Only reached if poweroff failed: panic=-1 plus QEMU's -no-reboot then ends the VM.
    exit 1
}

fail() {
    say "init failed: $*"
    if mountpoint -q "$results"; then
        echo "init failed: $*" >"$results/init-error"
        echo 125 >"$results/exit-status"
    fi
    finish
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 0 >/proc/sys/kernel/printk_ratelimit 2>/dev/null

while read -r module params; do
    [ -n "$module" ] || continue
    # shellcheck disable=SC2086 # params are separate words
    insmod "$module" $params || fail "insmod $module $params"
done </etc/vmhost-modules

# cache=loose: the host root is read-only and the mount lives for one boot only, and caching
# cuts every exec from ~0.5 s to ~0.1 s under TCG (dynamic linking reads many files over 9p).
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /host ||
    fail "cannot mount the host root (9p tag hostroot)"
mount -t proc proc /host/proc || fail "mount /host/proc"
mount -t sysfs sysfs /host/sys || fail "mount /host/sys"
mount -t devtmpfs devtmpfs /host/dev || fail "mount /host/dev"
mkdir -p /host/dev/pts /host/dev/shm 2>/dev/null
mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs tmpfs /host/dev/shm 2>/dev/null
# Everything a test or a daemon writes to (Open vSwitch: /run/openvswitch, /etc/openvswitch,
# /var/lib/openvswitch, /var/log/openvswitch). Folders missing on the host are skipped.
for dir in /run /tmp /var/tmp /var/log /var/lib/openvswitch /etc/openvswitch; do
    [ -d "/host$dir" ] || continue
    mount -t tmpfs -o mode=0755 tmpfs "/host$dir" || fail "tmpfs at $dir"
done
chmod 1777 /host/tmp /host/var/tmp 2>/dev/null
mkdir -p /host/run/openvswitch /host/var/log/openvswitch "$results"
mount -t 9p -o trans=virtio,version=9p2000.L,rw,msize=262144 results "$results" ||
    fail "cannot mount the results folder (9p tag results)"
[ -r "$results/.vmhost/script.sh" ] || fail "no job script in results/.vmhost/script.sh"

hostname vmhost
ip link set lo up 2>/dev/null

say "running job"
chroot /host /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp TERM=dumb LANG=C.UTF-8 FABRIC_RESULTS=/run/results FABRIC_IN_VMHOST=1 \
    /bin/bash -c '[ -r /run/results/.vmhost/env ] && . /run/results/.vmhost/env; exec /bin/bash /run/results/.vmhost/script.sh' \
    </dev/console >/dev/console 2>&1
status=$?
echo "$status" >"$results/exit-status"
say "job exit status $status"
finish
