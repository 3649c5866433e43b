// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX
public import VDSMHook

/// The bridges a provider's vNIC may be wired into, and no other: the hooks check it when they write the XML,
/// and `fabric-wire` again before it changes anything as root, because its caller (`vdsm`) and the properties
/// behind the caller (anyone allowed to edit a VM) must not reach VDSM's own bridges.
///
/// - Open vSwitch: only the configured `integration_bridge`.
/// - Linux bridge: Neutron's `brq` + 11 characters of the network UUID, or one listed in `linux_bridges`.
/// - Never a bridge of a VDSM network (`ovirtmgmt`, VDSM's `vdsmbr_…` OVS bridges), whatever the settings say.
public enum ProviderBridge {
    public static func checkOpenVSwitch(
        _ name: String, settings: HookSettings, vdsmNetworks: VDSMNetworkNames = .onHost
    ) throws(WiringError) {
        guard name == settings.integrationBridge else {
            throw WiringError("\(quoted(name)) is not the integration bridge (\(settings.integrationBridge))")
        }
        try checkNotVDSM(name, vdsmNetworks: vdsmNetworks)
    }

    public static func checkLinuxBridge(
        _ name: String, settings: HookSettings, vdsmNetworks: VDSMNetworkNames = .onHost
    ) throws(WiringError) {
        guard isNeutronLinuxBridge(name) || settings.linuxBridges.contains(name) else {
            throw WiringError(
                "\(quoted(name)) is not a provider bridge (brq + 11 characters of the network id, or one of linux_bridges in \(HookSettings.path))")
        }
        try checkNotVDSM(name, vdsmNetworks: vdsmNetworks)
    }

    /// `brq` + `[0-9a-f-]{11}`: the Neutron Linux-bridge agent's name for a network's bridge.
    public static func isNeutronLinuxBridge(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 14, bytes.starts(with: Array("brq".utf8)) else { return false }
        return bytes.dropFirst(3).allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }

    private static func checkNotVDSM(_ name: String, vdsmNetworks: VDSMNetworkNames) throws(WiringError) {
        if name.hasPrefix("vdsmbr_") || vdsmNetworks.contains(name) {
            throw WiringError("\(quoted(name)) is a bridge of a VDSM network; provider vNICs are never wired into it")
        }
    }

    private static func quoted(_ name: String) -> String {
        HostNames.isBridgeName(name) ? "bridge \(name)" : "the bridge name given"
    }
}

/// The networks VDSM manages on this host, by name: one file each under `nets/` of its running and persisted
/// configuration trees (the same trees FabricInventory's `VDSMNetworkConfig` reads). A bridged VDSM network's bridge
/// carries the network's name.
public struct VDSMNetworkNames: Hashable, Sendable {
    public static let onHost = VDSMNetworkNames(trees: ["/var/lib/vdsm/staging/netconf", "/var/lib/vdsm/persistence/netconf"])

    public var trees: [String]

    public init(trees: [String]) { self.trees = trees }

    public func contains(_ name: String) -> Bool {
        guard HostNames.isBridgeName(name) else { return false }
        return trees.contains { FileSystem.existenceError("\($0)/nets/\(name)") == nil }
    }
}

extension HookSettings {
    /// The host's settings (``HookSettings/path``), failing as wiring fails.
    public static func loadForWiring() throws(WiringError) -> HookSettings {
        do {
            return try HookSettings.load()
        } catch {
            throw WiringError(error.message)
        }
    }
}
