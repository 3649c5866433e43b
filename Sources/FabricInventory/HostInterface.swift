// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink

/// One row of the fabric-aware host interface table, with every inventory field (the text table shows
/// a subset). This is the `interfaces[]` element of the versioned JSON schema (docs/host-table-schema.md).
public struct HostInterface: Sendable, Hashable, Codable {
    /// The fields behind one reference, copied on write: a table's versions share their unchanged rows, so a
    /// link event that rebuilds a few rows copies one reference per other row, not every row's fields (at
    /// 4,097 links, 32 KiB instead of a 2.5 MB array mapped afresh for every version).
    private var fields: CopyOnWrite<Fields>

    public var name: String {
        get { fields.value.name }
        set { fields.value.name = newValue }
    }
    public var index: Int32 {
        get { fields.value.index }
        set { fields.value.index = newValue }
    }
    public var kind: InterfaceKind {
        get { fields.value.kind }
        set { fields.value.kind = newValue }
    }
    /// The kernel's `IFLA_INFO_KIND`, as `ip -d` shows it.
    public var kernelKind: String? {
        get { fields.value.kernelKind }
        set { fields.value.kernelKind = newValue }
    }
    public var mac: String? {
        get { fields.value.mac }
        set { fields.value.mac = newValue }
    }
    /// A bond slave's permanent MAC (the bond rewrites the current one).
    public var permanentMAC: String? {
        get { fields.value.permanentMAC }
        set { fields.value.permanentMAC = newValue }
    }
    public var mtu: UInt32 {
        get { fields.value.mtu }
        set { fields.value.mtu = newValue }
    }
    public var operState: OperState {
        get { fields.value.operState }
        set { fields.value.operState = newValue }
    }
    /// `IFF_UP` and `IFF_RUNNING`: VDSM's "up".
    public var isUp: Bool {
        get { fields.value.isUp }
        set { fields.value.isUp = newValue }
    }
    /// Mbps; `nil` when unknown (down links, virtual devices, drivers that do not say).
    public var speedMbps: Int? {
        get { fields.value.speedMbps }
        set { fields.value.speedMbps = newValue }
    }
    public var addresses: [Address] {
        get { fields.value.addresses }
        set { fields.value.addresses = newValue }
    }
    /// The address the Address column shows: the first primary, non-link-scope IPv4 address, else the
    /// first global IPv6 one (`a.b.c.d/N`).
    public var primaryAddress: String? {
        get { fields.value.primaryAddress }
        set { fields.value.primaryAddress = newValue }
    }
    /// The bridge, bond or OVS datapath this link is enslaved to.
    public var master: String? {
        get { fields.value.master }
        set { fields.value.master = newValue }
    }
    /// `bond`, `bridge` or `openvswitch` when enslaved.
    public var slaveKind: String? {
        get { fields.value.slaveKind }
        set { fields.value.slaveKind = newValue }
    }
    /// The Bond column: the bond this link is a slave of, or the bond itself.
    public var bond: String? {
        get { fields.value.bond }
        set { fields.value.bond = newValue }
    }
    public var vlanID: Int? {
        get { fields.value.vlanID }
        set { fields.value.vlanID = newValue }
    }
    /// The lower device of a VLAN, macvlan or vxlan (not a veth's peer).
    public var parent: String? {
        get { fields.value.parent }
        set { fields.value.parent = newValue }
    }
    /// A veth's peer, when it is in this namespace.
    public var peer: String? {
        get { fields.value.peer }
        set { fields.value.peer = newValue }
    }
    /// A vxlan device's VNI and endpoints.
    public var vxlan: VXLAN? {
        get { fields.value.vxlan }
        set { fields.value.vxlan = newValue }
    }
    public var bonding: BondDetails? {
        get { fields.value.bonding }
        set { fields.value.bonding = newValue }
    }
    /// A Linux bridge's ports (from the masters in the link dump).
    public var bridgePorts: [String]? {
        get { fields.value.bridgePorts }
        set { fields.value.bridgePorts = newValue }
    }
    /// Membership in Open vSwitch, from the OVS database.
    public var ovs: OVSMembership? {
        get { fields.value.ovs }
        set { fields.value.ovs = newValue }
    }
    /// Cumulative 64-bit counters at the end of the sample.
    public var statistics: LinkStatistics {
        get { fields.value.statistics }
        set { fields.value.statistics = newValue }
    }
    /// Rates over the sample interval; `nil` with `--no-rates` and on the first sample.
    public var rates: Rates? {
        get { fields.value.rates }
        set { fields.value.rates = newValue }
    }
    public var classification: Classification {
        get { fields.value.classification }
        set { fields.value.classification = newValue }
    }

    public init(
        name: String, index: Int32, kind: InterfaceKind, kernelKind: String? = nil, mac: String? = nil,
        permanentMAC: String? = nil, mtu: UInt32 = 1500, operState: OperState = .unknown, isUp: Bool = false,
        speedMbps: Int? = nil, addresses: [Address] = [], primaryAddress: String? = nil, master: String? = nil,
        slaveKind: String? = nil, bond: String? = nil, vlanID: Int? = nil, parent: String? = nil,
        peer: String? = nil, bonding: BondDetails? = nil, bridgePorts: [String]? = nil, ovs: OVSMembership? = nil,
        statistics: LinkStatistics = LinkStatistics(), rates: Rates? = nil,
        classification: Classification = .unclassified("not classified")
    ) {
        fields = CopyOnWrite(
            Fields(
                name: name, index: index, kind: kind, kernelKind: kernelKind, mac: mac, permanentMAC: permanentMAC,
                mtu: mtu, operState: operState, isUp: isUp, speedMbps: speedMbps, addresses: addresses,
                primaryAddress: primaryAddress, master: master, slaveKind: slaveKind, bond: bond, vlanID: vlanID,
                parent: parent, peer: peer, vxlan: nil, bonding: bonding, bridgePorts: bridgePorts, ovs: ovs,
                statistics: statistics, rates: rates, classification: classification))
    }

    /// A row's stored fields. Their synthesized `Codable` is the row's, so the JSON keeps the keys it had.
    struct Fields: Sendable, Hashable, Codable {
        var name: String
        var index: Int32
        var kind: InterfaceKind
        var kernelKind: String?
        var mac: String?
        var permanentMAC: String?
        var mtu: UInt32
        var operState: OperState
        var isUp: Bool
        var speedMbps: Int?
        var addresses: [Address]
        var primaryAddress: String?
        var master: String?
        var slaveKind: String?
        var bond: String?
        var vlanID: Int?
        var parent: String?
        var peer: String?
        var vxlan: VXLAN?
        var bonding: BondDetails?
        var bridgePorts: [String]?
        var ovs: OVSMembership?
        var statistics: LinkStatistics
        var rates: Rates?
        var classification: Classification
    }

    public init(from decoder: any Decoder) throws { fields = CopyOnWrite(try Fields(from: decoder)) }

    public func encode(to encoder: any Encoder) throws { try fields.value.encode(to: encoder) }

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
