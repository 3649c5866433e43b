// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// Every network this host carries, with its characteristics and the rows of the host table that carry it:
/// what clicking a Network Name shows, `fabric-agent show --networks`, `GET /v1/networks`. Built from the same
/// inventory as the table. Versioned; see docs/host-networks-schema.md.
public struct HostNetworks: Sendable, Hashable, Codable {
    public static let schemaName = "fabric.host-networks"
    public static let currentVersion = 1

    public var schema: String
    public var schemaVersion: Int
    public var hostname: String?
    /// Seconds since the Unix epoch, the table's `sampledAt`.
    public var sampledAt: Double
    /// By name.
    public var networks: [HostNetwork]
    /// What this host can provide to an external provider's networks.
    public var provides: ProviderReach
    /// The provider's daemons on this host and their health (ovs-vswitchd, ovn-controller, the Neutron agents).
    public var agents: [ProviderAgent]
    /// Every provider vNIC port of Open vSwitch and whether its tap is in the switch; empty when the database could
    /// not be read.
    public var providerPorts: [ProviderPort]
    /// Every tunnel port of Open vSwitch (the Neutron OVS agent's, OVN's), by bridge and interface; empty when the
    /// database could not be read (`provides.unknown` says so).
    public var tunnels: [OVSTunnel]
    /// This host as an OVN chassis, when ovn-controller is configured on its switch.
    public var ovn: OVNHostView?

    /// The networks of `table`: every VDSM network in `vdsm` (carried by a device here or not), and every
    /// other network a row of the table is classified into.
    /// - Parameters:
    ///   - neutron: the Neutron agents' configuration, for what the host provides.
    ///   - switchState: the Open vSwitch database (OVN's bridge mappings and encapsulation, the Neutron agent's
    ///     ports and tunnels); `nil` when it could not be read (what it would tell is then unknown, never guessed).
    ///   - agents: the provider's daemons as ``ProviderAgentsProbe`` found them.
    ///   - ovn: the OVN southbound database and ovn-controller's health, for ``ovn``.
    public init(
        table: HostTable, vdsm: VDSMNetworkConfig, neutron: NeutronAgentConfig? = nil, switchState: SwitchState? = nil,
        agents: [ProviderAgent] = [], ovn: OVNObservation? = nil
    ) {
        schema = Self.schemaName
        schemaVersion = Self.currentVersion
        hostname = table.hostname
        sampledAt = table.sampledAt
        provides = ProviderReach(neutron: neutron, switchIDs: switchState?.externalIDs)
        tunnels = switchState.map(OVSTunnel.all(in:)) ?? []
        providerPorts = switchState.map { ProviderPort.all(in: $0, table: table) } ?? []
        self.agents = agents.map { $0.completed(with: switchState) }
        self.ovn = switchState.flatMap { OVNHostView(switchState: $0, observation: ovn) }
        // ovn-controller is one of the provider's daemons too (its health is part of the OVN view).
        if let controller = self.ovn?.controller { self.agents.append(ProviderAgent(ovnController: controller)) }
        var byName: [String: HostNetwork] = [:]
        for network in vdsm.networks {
            byName[network.name] = HostNetwork(name: network.name, fabric: .vdsm, vdsm: network)
        }
        for row in table.interfaces {
            let classification = row.classification
            guard let networkName = classification.networkName, classification.fabric != .unclassified else { continue }
            // A device under several VDSM networks (a bond with a VLAN per network) names them all, ", "-joined;
            // oVirt network names have no commas.
            let names = classification.fabric == .vdsm
                ? networkName.split(separator: ", ").map(String.init) : [networkName]
            for name in names {
                byName[name, default: HostNetwork(name: name, fabric: classification.fabric)].interfaces.append(
                    HostNetwork.Member(row))
            }
        }
        if let switchState {
            Self.addSegments(to: &byName, switchState: switchState, neutron: neutron ?? NeutronAgentConfig(), tunnels: tunnels)
        }
        networks = byName.values.sorted { $0.name < $1.name }
    }

    /// The Neutron OVS agent's segment of each network one of its bound vNIC ports is in, and for an overlay
    /// segment the tunnels of its type on the agent's tunnel bridge (with l2population, one per peer host that has
    /// a port on any such network).
    private static func addSegments(
        to byName: inout [String: HostNetwork], switchState: SwitchState, neutron: NeutronAgentConfig, tunnels: [OVSTunnel]
    ) {
        var portsByInterface: [String: SwitchState.Port] = [:]
        for port in switchState.bridges.flatMap(\.ports) {
            for interface in port.interfaces { portsByInterface[interface.name] = port }
        }
        for (name, network) in byName where network.fabric == .openVSwitch {
            let segment = network.interfaces.lazy.compactMap { member in
                portsByInterface[member.name].flatMap { ProviderSegment(port: $0, bridgeMappings: neutron.ovsBridgeMappings) }
            }.first
            guard let segment else { continue }
            byName[name]?.segment = segment
            if segment.isOverlay {
                byName[name]?.tunnels = tunnels.filter { $0.bridge == neutron.tunnelBridge && $0.type == segment.networkType }
            }
        }
    }

    /// The network named `name`, if this host carries it.
    public func network(named name: String) -> HostNetwork? {
        networks.first { $0.name == name }
    }
}

/// One network: who implements it, how it is configured, and which of the host's devices carry it.
public struct HostNetwork: Sendable, Hashable, Codable {
    /// The oVirt network's name, the physical network, or the provider network's id (the Network Name column).
    public var name: String
    public var fabric: Fabric
    /// VDSM's configuration, for a VDSM network: VLAN, NIC or bond, bridged, MTU, switch, addresses, default
    /// route, host QoS.
    public var vdsm: VDSMNetwork?
    /// The rows of the host table classified into this network, in the table's order.
    public var interfaces: [Member]
    /// The Neutron OVS agent's segment: network type, segmentation id, physical network, local VLAN.
    public var segment: ProviderSegment?
    /// For an overlay segment, the tunnels that carry it to other hosts.
    public var tunnels: [OVSTunnel]?

    public init(
        name: String, fabric: Fabric, vdsm: VDSMNetwork? = nil, interfaces: [Member] = [], segment: ProviderSegment? = nil,
        tunnels: [OVSTunnel]? = nil
    ) {
        self.name = name
        self.fabric = fabric
        self.vdsm = vdsm
        self.interfaces = interfaces
        self.segment = segment
        self.tunnels = tunnels
    }

    /// The VLAN tag: VDSM's for a VDSM network, else the OVS tag or kernel VLAN id of a carrying device.
    public var vlan: Int? {
        vdsm?.vlan ?? interfaces.lazy.compactMap { $0.vlan }.first
    }

    /// One carrying row, reduced to what places it in the network.
    public struct Member: Sendable, Hashable, Codable {
        public var name: String
        public var kind: InterfaceKind
        /// Why the row is in this network (the classification's rule).
        public var reason: String
        /// The OVS bridge the row is a port of, if any.
        public var ovsBridge: String?
        /// The kernel VLAN id, or the OVS port's tag.
        public var vlan: Int?
        /// The VM whose vNIC this is (`external_ids:vm-id` of its OVS interface), for provider vNICs.
        public var vmID: String?
        /// The provider port (`external_ids:iface-id`).
        public var portID: String?
        /// A vxlan device's VNI and endpoints (the Linux bridge agent's `vxlan-<vni>`).
        public var vxlan: HostInterface.VXLAN?

        public init(_ row: HostInterface) {
            name = row.name
            kind = row.kind
            reason = row.classification.reason
            ovsBridge = row.ovs?.bridge
            vlan = row.vlanID ?? row.ovs?.tag
            vmID = row.ovs?.externalIDs["vm-id"]
            portID = row.ovs?.externalIDs["iface-id"]
            vxlan = row.vxlan
        }
    }
}

/// What this host can carry for a provider: the physical networks it maps to a bridge or an interface, and the
/// overlay types it can tunnel, so that the engine can tell whether the host provides a given provider network
/// instead of assuming every host provides every network.
public struct ProviderReach: Sendable, Hashable, Codable {
    /// One physical network and where it leaves the host.
    public struct PhysicalNetwork: Sendable, Hashable, Codable {
        public var name: String
        /// `openvswitch` (Neutron OVS agent), `linuxbridge`, or `ovn` (`ovn-bridge-mappings`).
        public var via: Fabric
        /// The OVS or Linux bridge, or the interface, it is mapped to.
        public var device: String
    }

    /// By name, then by `via`.
    public var physicalNetworks: [PhysicalNetwork]
    /// `geneve`, `gre`, `vxlan`: the encapsulations configured here, sorted.
    public var overlayTypes: [String]
    /// OVN's tunnel endpoint (`ovn-encap-ip`), when OVN is configured.
    public var tunnelIP: String?
    /// Why part of the answer is unknown (the OVS database could not be read).
    public var unknown: String?

    public init(neutron: NeutronAgentConfig?, switchIDs: [String: String]?) {
        var physical: [PhysicalNetwork] = []
        var overlays = Set<String>()
        if let neutron {
            physical += neutron.ovsBridgeMappings.map { PhysicalNetwork(name: $0.key, via: .openVSwitch, device: $0.value) }
            physical += neutron.linuxBridgeInterfaceMappings.map { PhysicalNetwork(name: $0.key, via: .linuxBridge, device: $0.value) }
            physical += neutron.linuxBridgeBridgeMappings.map { PhysicalNetwork(name: $0.key, via: .linuxBridge, device: $0.value) }
            overlays.formUnion(neutron.ovsTunnelTypes)
            if neutron.linuxBridgeVXLAN == true { overlays.insert("vxlan") }
        }
        if let switchIDs {
            // The agents' `physnet:device` syntax; a malformed entry is left out (the table is no place to report it).
            var malformed: [String] = []
            let ovnMappings = NeutronAgentConfig.parseMappings(
                switchIDs["ovn-bridge-mappings"], file: "external_ids:ovn-bridge-mappings", warnings: &malformed)
            physical += ovnMappings.map { PhysicalNetwork(name: $0.key, via: .ovn, device: $0.value) }
            for type in (switchIDs["ovn-encap-type"] ?? "").split(separator: ",") {
                let name = String(type).trimmingWhitespace().lowercased()
                if !name.isEmpty { overlays.insert(name) }
            }
            tunnelIP = switchIDs["ovn-encap-ip"].flatMap { $0.isEmpty ? nil : $0 }
        } else {
            unknown = "the Open vSwitch database could not be read: OVN's bridge mappings and encapsulation are unknown"
        }
        physicalNetworks = physical.sorted { ($0.name, $0.via.rawValue) < ($1.name, $1.via.rawValue) }
        overlayTypes = overlays.sorted()
    }
}
