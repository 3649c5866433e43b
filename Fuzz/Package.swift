// swift-tools-version: 6.2
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

// libFuzzer targets, one per boundary where fabric parses what it did not write (docs/RELIABILITY.md).
// A package of its own so the root package's build and tests never see the fuzzer flags: scripts/fuzz.sh
// builds it with `-Xswiftc -sanitize=fuzzer,address`, which instruments fabric's modules too.
let package = Package(
    name: "fabric-fuzz",
    dependencies: [
        // Named, so products are found whatever the checkout's folder is called.
        .package(name: "fabric", path: "..")
    ],
    targets: [
        // libFuzzer's driver, which each target's main starts.
        .target(name: "CLibFuzzer"),
        // The oracles' shared checks and the scratch files of the file-reading parsers.
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        .executableTarget(
            name: "fuzz-domain-xml",
            dependencies: ["FuzzSupport", .product(name: "DomainXML", package: "fabric"),
                .product(name: "WiringRules", package: "fabric"), .product(name: "HostWiring", package: "fabric"),
                .product(name: "VDSMHook", package: "fabric")]
        ),
        .executableTarget(
            name: "fuzz-ovsdb-json",
            dependencies: ["FuzzSupport", .product(name: "FabricOVSDB", package: "fabric"),
                .product(name: "FabricJSON", package: "fabric")]
        ),
        .executableTarget(
            name: "fuzz-netlink",
            dependencies: ["FuzzSupport", .product(name: "FabricNetlink", package: "fabric")]
        ),
        .executableTarget(
            name: "fuzz-vdsm-netconf",
            dependencies: ["FuzzSupport", .product(name: "FabricInventory", package: "fabric")]
        ),
        .executableTarget(
            name: "fuzz-neutron-ini",
            dependencies: ["FuzzSupport", .product(name: "FabricInventory", package: "fabric")]
        ),
        .executableTarget(
            name: "fuzz-agent-conf",
            dependencies: [
                "FuzzSupport", .product(name: "FabricAgentService", package: "fabric"),
                .product(name: "FabricAgentSettings", package: "fabric"),
            ]
        ),
        .executableTarget(
            name: "fuzz-hooks-conf",
            dependencies: ["FuzzSupport", .product(name: "VDSMHook", package: "fabric")]
        ),
        .executableTarget(
            name: "fuzz-wire-arguments",
            dependencies: ["FuzzSupport", .product(name: "WiringRules", package: "fabric"),
                .product(name: "HostWiring", package: "fabric")]
        ),
    ]
)

for target in package.targets where target.name != "CLibFuzzer" {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
