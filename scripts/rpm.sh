#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make rpm`: binary RPMs (fabric-agent, vdsm-hook-fabric) from the `make dist` tarball, into
# .build/rpm/RPMS/<arch>/. The spec builds with the same flags as `make install` (release, Swift runtime
# linked statically) and installs with scripts/install.sh, so both lay down the same files.
#   scripts/rpm.sh TARBALL
# On a machine whose rpm database has no EL packages (Debian) the BuildRequires cannot be checked
# (pkgconfig(libnl-route-3.0), pkgconfig(libxml-2.0), systemd-rpm-macros, gcc, make): --nodeps, with
# the -dev packages that stand in for them checked here instead.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 TARBALL" >&2; exit 64; }
cd "$(dirname "$0")/.."
command -v rpmbuild >/dev/null || { echo "rpm: rpmbuild is missing (apt-get install rpm)" >&2; exit 1; }
nodeps=()
if ! rpm -q --quiet systemd-rpm-macros 2>/dev/null; then
    pkg-config --exists libnl-route-3.0 libxml-2.0 || { echo "rpm: libnl-route-3 and libxml2 headers are missing" >&2; exit 1; }
    nodeps=(--nodeps)
fi
top="$PWD/.build/rpm"
rm -rf "$top/BUILD" "$top/BUILDROOT" "$top/SPECS" "$top/SOURCES"
mkdir -p "$top"
# RPMS keeps other releases' packages (the upgrade test installs one over another); the scratch folder keeps
# the compiled sources, so a second release of the same commit takes seconds.
rpmbuild -tb "${nodeps[@]}" --define "_topdir $top" --define "fabric_scratch $top/scratch" "$1"
find "$top/RPMS" -name '*.rpm' -newer "$1" | sort
