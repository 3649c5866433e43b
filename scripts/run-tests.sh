#!/usr/bin/env bash
# The whole test suite with every real component the tests need. Called by `make test` and CI.
# Tests that need root, namespaces, Open vSwitch, libvirt or the VM test host find them ready here;
# run alone (`swift test`) they skip with a reason where a component is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every program the tests run must be here (`make test` installs them); name the first one missing.
while read -r program package; do
    case "$program" in ''|'#'*) continue ;; esac
    command -v "$program" >/dev/null 2>&1 ||
        { echo "run-tests: $program is missing (Debian package $package); run \`make test\`, which installs it" >&2; exit 1; }
done < scripts/test-programs

# The users and groups of an EL oVirt host (vdsm 36:36, openvswitch in hugetlbfs, neutron, the agent's fabric
# from systemd/fabric.sysusers), before libvirt-setup.sh would give kvm another gid.
scripts/ovirt-host-setup.sh

# libvirt (qemu.conf for TCG guests as root, virtlogd, libvirtd) and the unprivileged hook user.
scripts/libvirt-setup.sh

# The agent's tests: systemd-analyze, chromium, wrk, openssl, curl, prometheus_client, schemathesis.
scripts/agent-test-setup.sh

# The VM test host (a Debian kernel under QEMU for bonds, VLANs, dummies, the OVS kernel datapath).
scripts/vmhost/build.sh

# The RPMs, two releases of this commit (RPMPackagesTests installs, upgrades and erases them); the second
# reuses the first's compiled sources.
rm -rf .build/rpm/RPMS
make --no-print-directory rpm
make --no-print-directory rpm RELEASE=2

# The install layout (InstallLayoutTests; RPMPackagesTests compares the packages with it), laid down by
# `make install` from the release build the RPMs were made of (HEAD, the Swift runtime linked statically):
# the suite compiles the release once, not twice.
rm -rf .build/stage
make --no-print-directory install DESTDIR="$PWD/.build/stage" BINDIR="$PWD/.build/rpm/scratch/release"

# The libFuzzer targets (Fuzz/, docs/RELIABILITY.md), 20 s each from the committed corpus: a crash fails the run.
scripts/fuzz.sh 20

swift build --build-tests
# One test at a time: many tests block their thread (processes, the VM test host booting, polling),
# and on a 2-core machine two of them occupy Swift's whole cooperative pool, so async tests with
# deadlines (the engine reporter's) would starve for tens of seconds and fail for no fault of the code.
swift test --no-parallel 2>&1 | tee .build/test-output.txt
