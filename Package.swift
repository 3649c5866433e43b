// swift-tools-version: 6.2
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

// What runs often and briefly — `fabric-agent show`, and the hooks VDSM starts on every VM start, NIC hot-plug,
// device update and capabilities report — starts faster with two release link flags. No exported symbols:
// `-static-stdlib` passes `-export-dynamic`, which put thousands of Swift symbols in the dynamic table that the
// loader and the runtime's start-up `dladdr` go through. And libstdc++ from the static archive that
// scripts/static-libstdcxx.sh links into .build, when there is one, where the Swift runtime is libstdc++'s only
// user: libstdc++.so's relocations and start-up cost 0.6-0.9 ms per run. Always in `fabric-agent` and
// `after_get_caps` (libnl and libc are C); in the XML hooks only where libxml2 does not load libstdc++.so
// itself, which the script decides: Debian's does, through ICU, and a second, static copy cost 0.1 ms more
// there. docs/BENCHMARKS.md, "Loading less at start", "Hooks: what a start costs" and "Hooks on a libxml2
// without ICU".
let noExportedSymbols: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(configuration: .release))
]
func staticLibstdcxx(from folder: String) -> [LinkerSetting] {
    [.unsafeFlags(["-L\(Context.packageDirectory)/.build/\(folder)"], .when(configuration: .release))]
}
let startFlags = noExportedSymbols + staticLibstdcxx(from: "static-libstdc++")
let xmlHookFlags = noExportedSymbols + staticLibstdcxx(from: "static-libstdc++-xml")

let package = Package(
    // Linux only: netlink, sysfs, Open vSwitch and VDSM exist nowhere else.
    name: "fabric",
    products: [
        .executable(name: "fabric-agent", targets: ["fabric-agent"]),
        .executable(name: "fabric-agentd", targets: ["fabric-agentd"]),
        .executable(name: "before_device_create", targets: ["before_device_create"]),
        .executable(name: "before_vm_start", targets: ["before_vm_start"]),
        .executable(name: "after_update_device", targets: ["after_update_device"]),
        .executable(name: "fabric-wire", targets: ["fabric-wire"]),
        .executable(name: "after_get_caps", targets: ["after_get_caps"]),
        .library(name: "FabricInventory", targets: ["FabricInventory"]),
        .library(name: "FabricJSON", targets: ["FabricJSON"]),
        .library(name: "FabricOVSDB", targets: ["FabricOVSDB"]),
        .library(name: "FabricNetlink", targets: ["FabricNetlink"]),
        .library(name: "DomainXML", targets: ["DomainXML"]),
        // For the libFuzzer targets in Fuzz/, a package of their own that reaches these through products.
        .library(name: "WiringRules", targets: ["WiringRules"]),
        .library(name: "HostWiring", targets: ["HostWiring"]),
        .library(name: "VDSMHook", targets: ["VDSMHook"]),
        .library(name: "FabricAgentSettings", targets: ["FabricAgentSettings"]),
        .library(name: "FabricAgentService", targets: ["FabricAgentService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // The agent daemon: service group, HTTP API (with TLS), Prometheus text.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Without its default traits Hummingbird needs neither full Foundation (and ICU) nor swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The agent's optional push of the table to the engine.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C: libnl (netlink) and libxml2, visible only to the modules that wrap them.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"]), .yum(["libnl3-devel"])]
        ),
        .target(name: "CNetlinkShims", dependencies: ["CNetlink"]),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .yum(["libxml2-devel"])]
        ),

        // OpenSSL, for TLS to OVN's southbound database: headers from libssl-dev / openssl-devel; the library is
        // loaded with dlopen on the first `ssl:` connection, so neither `show` nor the hooks map it at start.
        .target(name: "COpenSSL"),

        // The system calls every module repeats: owned descriptors, whole-file reads, atomic replace, unix
        // socket addresses, poll with a Duration, errno, stderr. Internal to the package (`package` access).
        .target(name: "CLinuxShims"),
        .target(name: "FabricPOSIX", dependencies: ["CLinuxShims"]),

        // Host inventory: netlink, OVSDB, sysfs, classification, rates.
        .target(name: "FabricNetlink", dependencies: ["CNetlink", "CNetlinkShims", "FabricPOSIX"]),
        // General JSON (OVSDB's JSON-RPC, VDSM's netconf and capabilities): a strict parser that keeps member order.
        .target(name: "FabricJSON"),
        .target(name: "FabricOVSDB", dependencies: ["FabricJSON", "FabricPOSIX"]),
        // A TLS client session over a connected socket (OpenSSL), with the peer checked against a CA.
        .target(name: "FabricTLS", dependencies: ["COpenSSL", "FabricOVSDB", "FabricPOSIX"]),
        .target(
            name: "FabricInventory",
            dependencies: [
                "FabricNetlink", "FabricOVSDB", "FabricJSON", "FabricPOSIX",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The agent's settings: one table for flags, environment, file keys and docs, shared by serve and show.
        .target(name: "FabricAgentSettings", dependencies: ["FabricInventory", "FabricOVSDB"]),
        .target(
            name: "FabricAgentService",
            dependencies: [
                "FabricInventory", "FabricNetlink", "FabricOVSDB", "FabricPOSIX", "FabricAgentSettings", "FabricTLS",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Locks ThreadSanitizer sees (pthread): Synchronization's Mutex is a futex in the uninstrumented
                // standard library, and every access under it reads to TSan as a race.
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // `fabric-agent` (show, and serve, which execs the daemon) stays free of the daemon's HTTP,
        // TLS and metrics libraries, whose metadata would slow every start of `show`.
        .target(
            name: "FabricAgentCLI",
            dependencies: [
                "FabricInventory", "FabricNetlink", "FabricOVSDB", "FabricPOSIX", "FabricAgentSettings", "FabricTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "fabric-agent", dependencies: ["FabricAgentCLI"], linkerSettings: startFlags),
        .executableTarget(
            name: "fabric-agentd",
            dependencies: [
                "FabricAgentService", "FabricPOSIX", "FabricAgentSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // VDSM hooks: strict XML, the hook runtime, the provider wiring rules.
        .target(name: "DomainXML", dependencies: ["CLibXML2"]),
        // The hook runtime and the settings the hooks and fabric-wire share (hooks.conf names the OVSDB socket).
        .target(name: "VDSMHook", dependencies: ["FabricOVSDB", "FabricPOSIX"]),
        .target(name: "WiringRules", dependencies: ["DomainXML", "FabricPOSIX", "VDSMHook"]),
        .executableTarget(
            name: "before_device_create",
            dependencies: ["VDSMHook", "WiringRules"],
            path: "hooks/before_device_create",
            linkerSettings: xmlHookFlags
        ),
        .executableTarget(
            name: "before_vm_start",
            dependencies: ["VDSMHook", "WiringRules"],
            path: "hooks/before_vm_start",
            linkerSettings: xmlHookFlags
        ),
        .executableTarget(
            name: "after_update_device",
            dependencies: ["VDSMHook", "WiringRules", "HostWiring"],
            path: "hooks/after_update_device",
            linkerSettings: xmlHookFlags
        ),
        // The privileged helper the after-hooks run through sudo, and the module it shares with them.
        .target(name: "HostWiring", dependencies: ["WiringRules", "FabricOVSDB", "FabricNetlink", "FabricPOSIX", "VDSMHook"]),
        .executableTarget(
            name: "fabric-wire", dependencies: ["HostWiring", "WiringRules", "VDSMHook", "FabricJSON", "FabricPOSIX"],
            linkerSettings: xmlHookFlags
        ),
        // Reports the host table to the engine inside VDSM's capabilities.
        .executableTarget(
            name: "after_get_caps",
            dependencies: ["VDSMHook", "FabricInventory", "FabricNetlink", "FabricOVSDB", "FabricJSON", "FabricPOSIX"],
            path: "hooks/after_get_caps",
            linkerSettings: startFlags
        ),

        // Benchmarks: built with the package so they always compile; run by Benchmarks/*.sh.
        .executableTarget(
            name: "inventory-bench",
            dependencies: ["FabricAgentService", "FabricInventory", "FabricNetlink"],
            path: "Benchmarks/inventory-bench"
        ),

        // Tests: one target per module, plus the executables run the way VDSM and admins run them.
        .target(
            name: "FabricTestSupport", dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Sources/FabricTestSupport"),
        .testTarget(name: "FabricPOSIXTests", dependencies: ["FabricPOSIX", "FabricTestSupport"]),
        .testTarget(name: "FabricNetlinkTests", dependencies: ["FabricNetlink", "FabricTestSupport"]),
        .testTarget(name: "FabricJSONTests", dependencies: ["FabricJSON"]),
        .testTarget(
            name: "FabricTLSTests", dependencies: ["FabricTLS", "FabricOVSDB", "FabricInventory", "FabricTestSupport"]),
        .testTarget(name: "FabricOVSDBTests", dependencies: ["FabricOVSDB", "FabricJSON", "FabricTestSupport"]),
        .testTarget(
            name: "FabricInventoryTests",
            dependencies: ["FabricInventory", "FabricTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "DomainXMLTests", dependencies: ["DomainXML", "FabricTestSupport"]),
        .testTarget(name: "VDSMHookTests", dependencies: ["VDSMHook", "FabricOVSDB", "FabricTestSupport"]),
        .testTarget(
            name: "WiringRulesTests",
            dependencies: ["WiringRules", "DomainXML", "VDSMHook", "FabricTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "HostWiringTests", dependencies: ["HostWiring", "WiringRules", "VDSMHook", "FabricTestSupport"]),
        .testTarget(name: "HookContractTests", dependencies: ["FabricTestSupport"]),
        .testTarget(
            name: "FabricAgentServiceTests",
            dependencies: ["FabricAgentService", "FabricAgentSettings", "FabricInventory", "FabricPOSIX", "FabricTestSupport"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "FabricInventory", "FabricNetlink", "FabricOVSDB", "WiringRules", "FabricTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system && !target.name.hasPrefix("C") {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
