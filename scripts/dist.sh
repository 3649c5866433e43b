#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make dist`: .build/dist/fabric-VERSION.tar.gz from git's HEAD (uncommitted changes are not in it), with
# packaging/rpm/fabric.spec made from its template, so `rpmbuild -tb` builds from the tarball alone.
#   scripts/dist.sh VERSION RELEASE
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 VERSION RELEASE" >&2; exit 64; }
version=$1 release=$2
cd "$(dirname "$0")/.."
[ -n "$version" ] || { echo "dist: no version in Sources/FabricInventory/FabricRelease.swift" >&2; exit 1; }
git diff --quiet HEAD -- 2>/dev/null || echo "dist: the working tree has uncommitted changes; the tarball holds HEAD" >&2
out=.build/dist name=fabric-$version
rm -rf "$out/spec" "$out/$name.tar" "$out/$name.tar.gz"
mkdir -p "$out/spec/$name/packaging/rpm"
git archive --format=tar --prefix="$name/" -o "$out/$name.tar" HEAD
sed -e "s/@VERSION@/$version/g" -e "s/@RELEASE@/$release/g" packaging/rpm/fabric.spec.in \
    >"$out/spec/$name/packaging/rpm/fabric.spec"
# The same owner and time as git's entries, so the tarball depends only on the commit.
when=$(git log -1 --format=%cI HEAD)
tar --append -f "$out/$name.tar" -C "$out/spec" --owner=root --group=root --mtime="$when" \
    "$name/packaging/rpm/fabric.spec"
gzip -9n "$out/$name.tar"
echo "$out/$name.tar.gz"
