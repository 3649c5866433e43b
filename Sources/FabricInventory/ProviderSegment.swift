// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// How the Neutron OVS agent realises a provider network on this host, from its vNIC ports' `other_config`
/// (which the agent writes when it binds a port): the network's type and segment, and the local VLAN that
/// stands for it on the integration bridge.
public struct ProviderSegment: Sendable, Hashable, Codable {
    /// Neutron's network id (`net_uuid`).
    public var networkID: String
    /// `vlan`, `flat`, `vxlan`, `gre`, `geneve` or `local` (`network_type`).
    public var networkType: String?
    /// The physical network of a `vlan` or `flat` network (`physical_network`).
    public var physicalNetwork: String?
    /// The VLAN id (vlan) or the tunnel key (vxlan, gre, geneve) of the segment (`segmentation_id`).
    public var segmentationID: Int?
    /// The VLAN the agent uses for this network on the integration bridge (the Port's `tag`, or `other_config:tag`).
    public var localVLAN: Int?
    /// The bridge the physical network is mapped to (`[ovs] bridge_mappings`), for `vlan` and `flat` networks.
    public var bridge: String?

    public init(
        networkID: String, networkType: String? = nil, physicalNetwork: String? = nil, segmentationID: Int? = nil,
        localVLAN: Int? = nil, bridge: String? = nil
    ) {
        self.networkID = networkID
        self.networkType = networkType
        self.physicalNetwork = physicalNetwork
        self.segmentationID = segmentationID
        self.localVLAN = localVLAN
        self.bridge = bridge
    }

    /// The segment a port of the agent describes, or `nil` for a port the agent has not bound (no `net_uuid`).
    /// Values the agent left empty or wrote as `None` are absent.
    public init?(port: SwitchState.Port, bridgeMappings: [String: String]) {
        func value(_ key: String) -> String? {
            guard let text = port.otherConfig[key]?.trimmingWhitespace(), !text.isEmpty, text != "None" else { return nil }
            return text
        }
        guard let networkID = value("net_uuid") else { return nil }
        let physicalNetwork = value("physical_network")
        self.init(
            networkID: networkID, networkType: value("network_type")?.lowercased(), physicalNetwork: physicalNetwork,
            segmentationID: value("segmentation_id").flatMap { Int($0) },
            localVLAN: port.tag ?? value("tag").flatMap { Int($0) },
            bridge: physicalNetwork.flatMap { bridgeMappings[$0] })
    }

    /// A segment carried in tunnels rather than on a physical network.
    public var isOverlay: Bool { networkType.map { OVSTunnel.overlayTypes.contains($0) } ?? false }
}

/// One tunnel port of Open vSwitch: the Neutron OVS agent's on its tunnel bridge, or OVN's on the integration
/// bridge, with where it leads and whether it is up.
public struct OVSTunnel: Sendable, Hashable, Codable {
    /// The segment types carried in tunnels.
    public static let overlayTypes: Set<String> = ["vxlan", "gre", "geneve"]

    public var bridge: String
    /// The OVS interface (`vxlan-c0000202`, `ovn-4a3b2c-0`).
    public var interface: String
    /// `vxlan`, `gre`, `geneve`, …
    public var type: String
    public var localIP: String?
    public var remoteIP: String?
    /// The tunnel key (`options:key`, or `in_key` and `out_key` when equal): a number, or `flow` when the flows set
    /// it per network.
    public var key: String?
    /// `up` or `down`, as ovs-vswitchd sees it.
    public var linkState: String?
    /// The BFD session's state (`up`, `down`, `init`, `admin_down`), when BFD is enabled on the tunnel.
    public var bfdState: String?
    /// The peer's OVN chassis (`external_ids:ovn-chassis-id`), for OVN's tunnels.
    public var peerChassis: String?

    public init(bridge: String, interface: SwitchState.Interface) {
        self.bridge = bridge
        self.interface = interface.name
        type = interface.type
        localIP = interface.options["local_ip"]
        remoteIP = interface.options["remote_ip"]
        // The Neutron agent sets in_key and out_key (both `flow`) rather than key, which stands for both.
        let options = interface.options
        key = options["key"] ?? (options["in_key"] == options["out_key"] ? options["in_key"] : nil)
        linkState = interface.linkState
        bfdState = interface.bfd["enable"] == "true" ? interface.bfdStatus["state"] : nil
        peerChassis = interface.externalIDs["ovn-chassis-id"]
    }

    /// Up when ovs-vswitchd says its link is up and, with BFD on, the session is up too.
    public var isUp: Bool { linkState == "up" && (bfdState == nil || bfdState == "up") }

    /// Every tunnel interface of the switch, by bridge and interface name.
    public static func all(in state: SwitchState) -> [OVSTunnel] {
        state.bridges.flatMap { bridge in
            bridge.ports.flatMap(\.interfaces).filter(\.isTunnel).map { OVSTunnel(bridge: bridge.name, interface: $0) }
        }
    }
}
