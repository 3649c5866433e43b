#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Points .build/static-libstdc++/libstdc++.a at the toolchain's static libstdc++, which fabric-agent's release
# link then takes instead of libstdc++.so (Package.swift, `startFlags`). Without an archive (EL: install
# libstdc++-static) fabric-agent links libstdc++.so as before, and this says so. Called by `make release` and
# by the RPM spec's %build.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.build/static-libstdc++
mkdir -p "$dir"
archive=$(clang -print-file-name=libstdc++.a 2>/dev/null || gcc -print-file-name=libstdc++.a 2>/dev/null || true)
case "$archive" in
/*) ln -sfn "$archive" "$dir/libstdc++.a" ;;
*)
    rm -f "$dir/libstdc++.a"
    echo "static-libstdcxx: the toolchain has no libstdc++.a; fabric-agent will load libstdc++.so at every start" >&2
    ;;
esac
