// SPDX-License-Identifier: Apache-2.0

/// Who implements the network an interface carries: the seed's **Fabric** column.
public enum Fabric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Traditional VDSM networking (Linux bridges, bonds and VLANs VDSM configured).
    case vdsm
    /// The external provider through the Neutron Open vSwitch agent.
    case openVSwitch = "openvswitch"
    /// The external provider through OVN (ovn-controller runs the switch: ovirt-provider-ovn or ML2/OVN).
    case ovn
    /// The external provider through the Neutron Linux bridge agent.
    case linuxBridge = "linuxbridge"
    /// Nobody fabric knows of; shown as `-`, never guessed.
    case unclassified

    /// The text of the table's Fabric column.
    public var displayName: String {
        switch self {
        case .vdsm: "VDSM"
        case .openVSwitch: "Open vSwitch"
        case .ovn: "OVN"
        case .linuxBridge: "Linux Bridge"
        case .unclassified: "-"
        }
    }
}

/// The Fabric and Network Name of one interface, with the rule that decided them so an admin can
/// see why.
public struct Classification: Sendable, Hashable, Codable {
    public var fabric: Fabric
    /// The oVirt network, the physical network, or the provider network id; `nil` when not known.
    public var networkName: String?
    /// The rule that matched, in a few words (`"port of VDSM network bridge ovirtmgmt"`).
    public var reason: String

    public init(fabric: Fabric, networkName: String? = nil, reason: String) {
        self.fabric = fabric
        self.networkName = networkName
        self.reason = reason
    }

    public static func unclassified(_ reason: String) -> Classification {
        Classification(fabric: .unclassified, reason: reason)
    }
}
