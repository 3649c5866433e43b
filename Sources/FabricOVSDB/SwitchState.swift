// SPDX-License-Identifier: Apache-2.0

/// What the Open vSwitch database says about this host's switch: the `Open_vSwitch` row and every
/// bridge with its ports and interfaces, joined by uuid.
public struct SwitchState: Sendable, Hashable, Codable {
    /// `Open_vSwitch.external_ids` (`system-id`, `hostname`, `ovn-remote`, `ovn-encap-type`, `ovn-encap-ip`, …).
    public var externalIDs: [String: String]
    public var ovsVersion: String?
    /// `Open_vSwitch.datapath_types`: what ovs-vswitchd supports (`netdev`, `system`), sorted; empty until it ran.
    public var datapathTypes: [String]
    public var bridges: [Bridge]

    public init(
        externalIDs: [String: String] = [:], ovsVersion: String? = nil, datapathTypes: [String] = [],
        bridges: [Bridge] = []
    ) {
        self.externalIDs = externalIDs
        self.ovsVersion = ovsVersion
        self.datapathTypes = datapathTypes
        self.bridges = bridges
    }

    /// ovn-controller runs this switch when `ovn-remote` is set.
    public var isControlledByOVN: Bool { !(externalIDs["ovn-remote"] ?? "").isEmpty }

    public struct Bridge: Sendable, Hashable, Codable {
        public var uuid: String
        public var name: String
        /// `''` (kernel `system`), `system` or `netdev`.
        public var datapathType: String
        public var externalIDs: [String: String]
        public var otherConfig: [String: String]
        public var ports: [Port]

        public init(
            uuid: String, name: String, datapathType: String = "", externalIDs: [String: String] = [:],
            otherConfig: [String: String] = [:], ports: [Port] = []
        ) {
            self.uuid = uuid
            self.name = name
            self.datapathType = datapathType
            self.externalIDs = externalIDs
            self.otherConfig = otherConfig
            self.ports = ports
        }
    }

    public struct Port: Sendable, Hashable, Codable {
        public var uuid: String
        public var name: String
        /// Access VLAN tag (0…4095), if any.
        public var tag: Int?
        public var externalIDs: [String: String]
        /// The Neutron OVS agent writes `net_uuid`, `network_type`, `physical_network`, `segmentation_id`, `tag`.
        public var otherConfig: [String: String]
        public var interfaces: [Interface]

        public init(
            uuid: String, name: String, tag: Int? = nil, externalIDs: [String: String] = [:],
            otherConfig: [String: String] = [:], interfaces: [Interface] = []
        ) {
            self.uuid = uuid
            self.name = name
            self.tag = tag
            self.externalIDs = externalIDs
            self.otherConfig = otherConfig
            self.interfaces = interfaces
        }
    }

    public struct Interface: Sendable, Hashable, Codable {
        public var uuid: String
        public var name: String
        /// `''` (system), `internal`, `patch`, `vxlan`, `geneve`, `gre`, `tap`, `dpdk`, …
        public var type: String
        /// OpenFlow port number; `nil` when not yet assigned, -1 when it failed.
        public var ofport: Int?
        /// Kernel ifindex, when OVS knows it.
        public var ifindex: Int?
        public var mac: String?
        /// `external_ids`: `iface-id`, `attached-mac`, `vm-id`/`vm-uuid`, `iface-status`.
        public var externalIDs: [String: String]
        /// `options`: `peer` for patch ports, `remote_ip`/`key` for tunnels.
        public var options: [String: String]
        /// `link_speed` in **bits per second**, when OVS reports it.
        public var linkSpeed: Int?
        /// `link_state`, `up` or `down` as ovs-vswitchd sees it (for a tunnel: whether its route to `remote_ip`
        /// exists, or its BFD session, when BFD is on).
        public var linkState: String?
        public var adminState: String?
        /// `bfd` (configuration: `enable`, intervals) and `bfd_status` (`state`, `forwarding`, `remote_state`,
        /// `diagnostic`, …), for tunnels with BFD.
        public var bfd: [String: String]
        public var bfdStatus: [String: String]
        /// Why ovs-vswitchd could not add the interface (`could not open network device tapX (No such device)`).
        public var error: String?

        public init(
            uuid: String, name: String, type: String = "", ofport: Int? = nil, ifindex: Int? = nil,
            mac: String? = nil, externalIDs: [String: String] = [:], options: [String: String] = [:],
            linkSpeed: Int? = nil, linkState: String? = nil, adminState: String? = nil, bfd: [String: String] = [:],
            bfdStatus: [String: String] = [:], error: String? = nil
        ) {
            self.uuid = uuid
            self.name = name
            self.type = type
            self.ofport = ofport
            self.ifindex = ifindex
            self.mac = mac
            self.externalIDs = externalIDs
            self.options = options
            self.linkSpeed = linkSpeed
            self.linkState = linkState
            self.adminState = adminState
            self.bfd = bfd
            self.bfdStatus = bfdStatus
            self.error = error
        }

        /// Tunnel types ovs-vswitchd knows (`Interface.type`).
        public static let tunnelTypes: Set<String> = ["vxlan", "geneve", "gre", "stt", "erspan", "ip6gre", "ip6erspan"]

        public var isTunnel: Bool { Self.tunnelTypes.contains(type) }
    }
}
