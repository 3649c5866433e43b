// SPDX-License-Identifier: Apache-2.0
public import VDSMHook

/// The engine's connection details (custom properties) → how to wire the vNIC, or "not ours".
///
/// Dialects (docs/hooks.md, "Who is ours"):
///
/// | provider_type | plugin_type | result |
/// |---|---|---|
/// | `OPENSTACK_NETWORK` | `OPEN_VSWITCH`, `OPENSTACK_OVN` | Open vSwitch on the integration bridge |
/// | `OPENSTACK_NETWORK` | `LINUX_BRIDGE` | Linux bridge (see ``linuxBridgeName(_:settings:)``) |
/// | `OPENSTACK_NETWORK` | anything else, or missing | error: unknown plugin type, named |
/// | `EXTERNAL_NETWORK` | `OVIRT_PROVIDER_OVN` | Open vSwitch |
/// | `EXTERNAL_NETWORK` | anything else, empty or missing | not ours, as for ovirt-provider-ovn's own hook: `EXTERNAL_NETWORK` is the generic external-provider type, and a third-party provider's vNICs belong to that provider's own hook (``ignoredNote(property:)`` says so) |
/// | anything else or no `provider_type` | — | not ours: left byte-identical |
///
/// For every wiring, `vnic_id` must be present and a UUID (any case, normalised to lower case).
public enum ProviderRules {
    public static let openstack = "OPENSTACK_NETWORK"
    public static let external = "EXTERNAL_NETWORK"
    /// The only `plugin_type` of `EXTERNAL_NETWORK` fabric wires; the engine has sent it since oVirt 4.2.
    public static let ovirtProviderOVN = "OVIRT_PROVIDER_OVN"

    /// Optional device property naming the Linux bridge outright (Neutron's `vif_details` key of that name).
    public static let bridgeNameProperty = "bridge_name"
    /// Optional device property with the Neutron network UUID; the bridge is then `brq` + its first 11 characters.
    public static let networkIDProperty = "network_id"
    /// VDSM's placeholder bridge. The tap is created on it and must then be detached (`ip link set tap… nomaster`)
    /// by an after-hook so the Neutron Linux-bridge agent can enslave it to `brq…`; ``HostSidePlanner`` plans that
    /// (``HostChange/detachFromPlaceholder(tap:)``).
    public static let vdsmDummyBridge = ";vdsmdummy;"

    /// Decides for one vNIC. `property` looks up a custom property by exact name; `settings` is called only when
    /// the vNIC is ours, so a broken settings file never affects VMs without provider vNICs.
    public static func wiring(
        property: (String) -> String?,
        settings: () throws(WiringError) -> HookSettings
    ) throws(WiringError) -> VNICWiring? {
        let provider = property("provider_type")
        let plugin = property("plugin_type")
        enum Kind { case ovs, linuxBridge }
        let kind: Kind
        switch provider {
        case openstack:
            switch plugin {
            case "OPEN_VSWITCH", "OPENSTACK_OVN": kind = .ovs
            case "LINUX_BRIDGE": kind = .linuxBridge
            case nil: throw WiringError("provider_type \(openstack) needs a plugin_type, and none was given")
            case let other?: throw WiringError("unknown plugin_type \"\(other)\" for provider_type \(openstack)")
            }
        case external:
            guard plugin == ovirtProviderOVN else { return nil }
            kind = .ovs
        default:
            return nil
        }
        guard let vnicID = property("vnic_id"), !vnicID.isEmpty else {
            throw WiringError("provider_type \(provider ?? "") needs a vnic_id, and none was given")
        }
        guard let port = PortID(vnicID) else {
            throw WiringError("vnic_id \"\(vnicID)\" is not a UUID")
        }
        switch kind {
        case .ovs:
            let current = try settings()
            try ProviderBridge.checkOpenVSwitch(current.integrationBridge, settings: current)
            return .openVSwitch(integrationBridge: current.integrationBridge, port: port)
        case .linuxBridge:
            return .linuxBridge(bridge: try linuxBridgeName(property, settings: settings), port: port)
        }
    }

    /// Why a vNIC that names a provider is still left alone, for the hook's one stderr line: only
    /// `EXTERNAL_NETWORK` with another, an empty or no `plugin_type`. `nil` when the vNIC is wired, fails, or
    /// names no provider fabric knows.
    public static func ignoredNote(property: (String) -> String?) -> String? {
        guard property("provider_type") == external else { return nil }
        let plugin = property("plugin_type") ?? ""
        guard plugin != ovirtProviderOVN else { return nil }
        let given = plugin.isEmpty ? "no plugin_type" : "plugin_type \"\(plugin)\""
        return "provider_type \(external) with \(given) belongs to that provider's own hook; device left untouched"
    }

    /// `bridge_name` if given (a provider bridge, ``ProviderBridge``), else `brq` + `network_id`[:11] if given,
    /// else VDSM's `;vdsmdummy;`.
    public static func linuxBridgeName(
        _ property: (String) -> String?, settings: () throws(WiringError) -> HookSettings
    ) throws(WiringError) -> String {
        if let name = property(bridgeNameProperty), !name.isEmpty {
            guard HostNames.isBridgeName(name) else {
                throw WiringError("\(bridgeNameProperty) \"\(name)\" is not a valid bridge name (1–15 of [A-Za-z0-9_.-])")
            }
            do {
                try ProviderBridge.checkLinuxBridge(name, settings: try settings())
            } catch {
                throw WiringError("\(bridgeNameProperty): \(error.message)")
            }
            return name
        }
        if let network = property(networkIDProperty), !network.isEmpty {
            guard let id = PortID(network) else { throw WiringError("\(networkIDProperty) \"\(network)\" is not a UUID") }
            return id.linuxBridgeName
        }
        return vdsmDummyBridge
    }
}
