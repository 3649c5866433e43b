#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Points BUILD_DIR/static-libstdc++/libstdc++.a at the toolchain's static libstdc++, which the release links of
# `fabric-agent` and `after_get_caps` then take instead of libstdc++.so (Package.swift, `startFlags`). The XML
# hooks look in BUILD_DIR/static-libstdc++-xml instead (`xmlHookFlags`), which holds the same link only when
# the libxml2 they link does not load libstdc++.so itself: Debian's libxml2 loads it through ICU, and a second,
# static copy costs 0.1 ms per start there; a libxml2 built without ICU loads no libstdc++, and then the static
# copy spares the hook loading libstdc++.so at all, 0.6 ms of its start (docs/BENCHMARKS.md, "Hooks on a
# libxml2 without ICU"). Without an archive (EL: install libstdc++-static) every binary links libstdc++.so as
# before, and this says so. Called by `make release` and by the RPM spec's %build.
#
#   scripts/static-libstdcxx.sh [BUILD_DIR]     (default .build; FABRIC_LIBXML2: the libxml2 to look at,
#                                                default the one pkg-config names)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-.build}
agent=$build/static-libstdc++ xml=$build/static-libstdc++-xml
mkdir -p "$agent" "$xml"
rm -f "$agent/libstdc++.a" "$xml/libstdc++.a"

archive=$(clang -print-file-name=libstdc++.a 2>/dev/null || gcc -print-file-name=libstdc++.a 2>/dev/null || true)
case "$archive" in
/*) ;;
*)
    echo "static-libstdcxx: the toolchain has no libstdc++.a; fabric-agent and the hooks will load libstdc++.so at every start" >&2
    exit 0
    ;;
esac
ln -sfn "$archive" "$agent/libstdc++.a"

libxml2=${FABRIC_LIBXML2:-$(pkg-config --variable=libdir libxml-2.0 2>/dev/null || true)/libxml2.so}
if [ ! -e "$libxml2" ]; then
    echo "static-libstdcxx: no libxml2 at $libxml2; the XML hooks keep libstdc++.so" >&2
elif ldd "$libxml2" 2>/dev/null | grep -q 'libstdc++'; then
    echo "static-libstdcxx: $libxml2 loads libstdc++.so itself; the XML hooks share it" >&2
else
    ln -sfn "$archive" "$xml/libstdc++.a"
fi
