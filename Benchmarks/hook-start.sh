#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a hook's run costs next to the floors under it, in the same rounds (Benchmarks/interleaved.py, a fresh
# data file before every run): `before_device_create` wiring one vNIC; a static Swift program that does nothing
# (the Swift runtime's start); a C program that only loads and initialises libxml2 (`xmlCheckVersion` runs
# `xmlInitParser`; the libraries libxml2 brings, on Debian ICU and libstdc++); an empty C program; /bin/true. docs/BENCHMARKS.md, "Hooks: what a start costs".
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
mkdir -p "$work/swift/Sources/empty"
cat >"$work/swift/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "empty", targets: [.executableTarget(name: "empty")])
SWIFT
echo 'let unused = 0' >"$work/swift/Sources/empty/main.swift"
swift build -c release --static-swift-stdlib --disable-local-rpath --package-path "$work/swift" >/dev/null
swift_empty=$(swift build -c release --static-swift-stdlib --disable-local-rpath --package-path "$work/swift" --show-bin-path)/empty

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
    "swift-empty=$swift_empty" \
    "c-libxml2=$work/c-libxml2" \
    "c-empty=$work/c-empty" \
    "true=/bin/true"
