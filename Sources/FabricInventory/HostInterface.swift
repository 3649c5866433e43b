// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink

/// One row of the fabric-aware host interface table, with every inventory field (the text table shows
/// a subset). This is the `interfaces[]` element of the versioned JSON schema (docs/host-table-schema.md).
public struct HostInterface: Sendable, Hashable, Codable {
    public var name: String
    public var index: Int32
    public var kind: InterfaceKind
    /// The kernel's `IFLA_INFO_KIND`, as `ip -d` shows it.
    public var kernelKind: String?
    public var mac: String?
    /// A bond slave's permanent MAC (the bond rewrites the current one).
    public var permanentMAC: String?
    public var mtu: UInt32
    public var operState: OperState
    /// `IFF_UP` and `IFF_RUNNING`: VDSM's "up".
    public var isUp: Bool
    /// Mbps; `nil` when unknown (down links, virtual devices, drivers that do not say).
    public var speedMbps: Int?
    public var addresses: [Address]
    /// The address the Address column shows: the first primary, non-link-scope IPv4 address, else the
    /// first global IPv6 one (`a.b.c.d/N`).
    public var primaryAddress: String?
    /// The bridge, bond or OVS datapath this link is enslaved to.
    public var master: String?
    /// `bond`, `bridge` or `openvswitch` when enslaved.
    public var slaveKind: String?
    /// The Bond column: the bond this link is a slave of, or the bond itself.
    public var bond: String?
    public var vlanID: Int?
    /// The lower device of a VLAN, macvlan or vxlan (not a veth's peer).
    public var parent: String?
    /// A veth's peer, when it is in this namespace.
    public var peer: String?
    /// A vxlan device's VNI and endpoints.
    public var vxlan: VXLAN?
    public var bonding: BondDetails?
    /// A Linux bridge's ports (from the masters in the link dump).
    public var bridgePorts: [String]?
    /// Membership in Open vSwitch, from the OVS database.
    public var ovs: OVSMembership?
    /// Cumulative 64-bit counters at the end of the sample.
    public var statistics: LinkStatistics
    /// Rates over the sample interval; `nil` with `--no-rates` and on the first sample.
    public var rates: Rates?
    public var classification: Classification

    public init(
        name: String, index: Int32, kind: InterfaceKind, kernelKind: String? = nil, mac: String? = nil,
        permanentMAC: String? = nil, mtu: UInt32 = 1500, operState: OperState = .unknown, isUp: Bool = false,
        speedMbps: Int? = nil, addresses: [Address] = [], primaryAddress: String? = nil, master: String? = nil,
        slaveKind: String? = nil, bond: String? = nil, vlanID: Int? = nil, parent: String? = nil,
        peer: String? = nil, bonding: BondDetails? = nil, bridgePorts: [String]? = nil, ovs: OVSMembership? = nil,
        statistics: LinkStatistics = LinkStatistics(), rates: Rates? = nil,
        classification: Classification = .unclassified("not classified")
    ) {
        self.name = name
        self.index = index
        self.kind = kind
        self.kernelKind = kernelKind
        self.mac = mac
        self.permanentMAC = permanentMAC
        self.mtu = mtu
        self.operState = operState
        self.isUp = isUp
        self.speedMbps = speedMbps
        self.addresses = addresses
        self.primaryAddress = primaryAddress
        self.master = master
        self.slaveKind = slaveKind
        self.bond = bond
        self.vlanID = vlanID
        self.parent = parent
        self.peer = peer
        self.bonding = bonding
        self.bridgePorts = bridgePorts
        self.ovs = ovs
        self.statistics = statistics
        self.rates = rates
        self.classification = classification
    }

    public struct Address: Sendable, Hashable, Codable {
        public var family: InterfaceAddress.Family
        /// `address/prefix`.
        public var cidr: String
        /// `universe`, `site`, `link`, `host` or the number.
        public var scope: String
        public var secondary: Bool

        public init(family: InterfaceAddress.Family, cidr: String, scope: String, secondary: Bool) {
            self.family = family
            self.cidr = cidr
            self.scope = scope
            self.secondary = secondary
        }
    }

    /// A vxlan device as `ip -d link` shows it: the VNI, the multicast group or the one remote, the local
    /// address, the UDP port and the lower device.
    public struct VXLAN: Sendable, Hashable, Codable {
        public var vni: Int
        public var group: String?
        public var remote: String?
        public var local: String?
        public var port: Int?
        public var device: String?

        public init(_ info: VXLANInfo, lowerDevice: String?) {
            vni = Int(info.vni)
            group = info.group
            remote = info.remote
            local = info.local
            port = info.port.map(Int.init)
            device = lowerDevice
        }
    }

    /// Where the OVS database puts this link.
    public struct OVSMembership: Sendable, Hashable, Codable {
        public var bridge: String
        public var port: String
        /// `Interface.type`: `''` system, `internal`, `patch`, `vxlan`, …
        public var interfaceType: String
        public var ofport: Int?
        public var tag: Int?
        public var externalIDs: [String: String]
        public var portOtherConfig: [String: String]

        public init(
            bridge: String, port: String, interfaceType: String, ofport: Int? = nil, tag: Int? = nil,
            externalIDs: [String: String] = [:], portOtherConfig: [String: String] = [:]
        ) {
            self.bridge = bridge
            self.port = port
            self.interfaceType = interfaceType
            self.ofport = ofport
            self.tag = tag
            self.externalIDs = externalIDs
            self.portOtherConfig = portOtherConfig
        }
    }

    /// Rates over one interval between two samples of the same link (same name and ifindex).
    public struct Rates: Sendable, Hashable, Codable {
        /// Megabits per second; `nil` when a counter was reset during the interval.
        public var rxMbps: Double?
        public var txMbps: Double?
        /// rx + tx dropped **packets** during the interval; `nil` after a reset.
        public var droppedPackets: UInt64?
        public var intervalSeconds: Double

        public init(rxMbps: Double?, txMbps: Double?, droppedPackets: UInt64?, intervalSeconds: Double) {
            self.rxMbps = rxMbps
            self.txMbps = txMbps
            self.droppedPackets = droppedPackets
            self.intervalSeconds = intervalSeconds
        }
    }
}
