#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a hook's run costs next to the floors under it, in the same rounds (Benchmarks/interleaved.py, a fresh
# data file before every run):
#   - `before_device_create` wiring one vNIC;
#   - swift-libxml2: a static Swift program, linked as the hooks are, that only loads and initialises libxml2
#     through a module map (the floor under any hook written in Swift on the distribution's libxml2);
#   - swift-empty: the same without libxml2 (the Swift runtime's start);
#   - c-libxml2: a C program that only loads and initialises libxml2 (`xmlCheckVersion` runs `xmlInitParser`;
#     on Debian libxml2 brings ICU, and ICU libstdc++);
#   - c-empty, and /bin/true.
# docs/BENCHMARKS.md, "Hooks: what a start costs".
#
#   Benchmarks/hook-start.sh [BINDIR ...]        (default .build/release; ROUNDS, default 500)
#
# With several BINDIRs (say an older build's and this one's), each one's hook runs in the same rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
bindirs=()
for dir in "${@:-.build/release}"; do bindirs+=("$(cd "$dir" && pwd)"); done
rounds=${ROUNDS:-500}
cc=${CC:-cc}
command -v "$cc" >/dev/null || cc=clang
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'int main(void) { return 0; }\n' >"$work/empty.c"
printf '#include <libxml/parser.h>\nint main(void) { xmlCheckVersion(LIBXML_VERSION); return 0; }\n' >"$work/libxml2.c"
"$cc" -O2 "$work/empty.c" -o "$work/c-empty"
# shellcheck disable=SC2046  # pkg-config's words are separate flags
"$cc" -O2 "$work/libxml2.c" $(pkg-config --cflags --libs libxml-2.0) -o "$work/c-libxml2"
# Linked as the release hooks are (Package.swift, `xmlHookFlags`): no exported symbols, and libstdc++ from where
# scripts/static-libstdcxx.sh put it for them (`make release` runs it).
mkdir -p "$work/swift/Sources/empty" "$work/swift/Sources/libxml2" "$work/swift/Sources/CXML"
cat >"$work/swift/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let asHooksAre: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "--no-export-dynamic", "-L$PWD/.build/static-libstdc++-xml"])
]
let package = Package(name: "floors", targets: [
    .executableTarget(name: "empty", linkerSettings: asHooksAre),
    .systemLibrary(name: "CXML", pkgConfig: "libxml-2.0"),
    .executableTarget(name: "libxml2", dependencies: ["CXML"], linkerSettings: asHooksAre),
])
SWIFT
echo 'let unused = 0' >"$work/swift/Sources/empty/main.swift"
printf 'module CXML [system] {\n    header "shim.h"\n    link "xml2"\n    export *\n}\n' >"$work/swift/Sources/CXML/module.modulemap"
echo '#include <libxml/parser.h>' >"$work/swift/Sources/CXML/shim.h"
printf 'import CXML\nxmlCheckVersion(LIBXML_VERSION)\n' >"$work/swift/Sources/libxml2/main.swift"
swift build -c release --static-swift-stdlib --disable-local-rpath --package-path "$work/swift" >/dev/null
swift_bin=$(swift build -c release --static-swift-stdlib --disable-local-rpath --package-path "$work/swift" --show-bin-path)

cp Tests/WiringRulesTests/Fixtures/engine-interface.xml "$work/interface.xml"
export _hook_domxml="$work/data" vmId=5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f
export provider_type=OPENSTACK_NETWORK plugin_type=OPEN_VSWITCH vnic_id=8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f
hooks=()
for bindir in "${bindirs[@]}"; do
    # The hook must really wire the vNIC (a failing or no-op run would time something else).
    cp "$work/interface.xml" "$work/data"
    "$bindir/before_device_create"
    grep -q 'interfaceid="8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f"' "$work/data" || { echo "$bindir/before_device_create did not wire the vNIC" >&2; exit 1; }
    hooks+=("hook ${#hooks[@]} ($bindir)=$bindir/before_device_create")
done

python3 Benchmarks/interleaved.py "$rounds" --copy "$work/interface.xml" "$work/data" \
    "${hooks[@]}" \
    "swift-libxml2=$swift_bin/libxml2" \
    "swift-empty=$swift_bin/empty" \
    "c-libxml2=$work/c-libxml2" \
    "c-empty=$work/c-empty" \
    "true=/bin/true"
