// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink

/// One row of the fabric-aware host interface table, with every inventory field (the text table shows
/// a subset). This is the `interfaces[]` element of the versioned JSON schema (docs/host-table-schema.md).
public struct HostInterface: Sendable, Hashable, Codable {
    /// The fields behind one reference, copied on write: a table's versions share their unchanged rows, so a
    /// link event that rebuilds a few rows copies one reference per other row, not every row's fields (at
    /// 4,097 links, 32 KiB instead of a 2.5 MB array mapped afresh for every version).
    private var storage: Storage

    public var name: String {
        get { storage.fields.name }
        set { fields.name = newValue }
    }
    public var index: Int32 {
        get { storage.fields.index }
        set { fields.index = newValue }
    }
    public var kind: InterfaceKind {
        get { storage.fields.kind }
        set { fields.kind = newValue }
    }
    /// The kernel's `IFLA_INFO_KIND`, as `ip -d` shows it.
    public var kernelKind: String? {
        get { storage.fields.kernelKind }
        set { fields.kernelKind = newValue }
    }
    public var mac: String? {
        get { storage.fields.mac }
        set { fields.mac = newValue }
    }
    /// A bond slave's permanent MAC (the bond rewrites the current one).
    public var permanentMAC: String? {
        get { storage.fields.permanentMAC }
        set { fields.permanentMAC = newValue }
    }
    public var mtu: UInt32 {
        get { storage.fields.mtu }
        set { fields.mtu = newValue }
    }
    public var operState: OperState {
        get { storage.fields.operState }
        set { fields.operState = newValue }
    }
    /// `IFF_UP` and `IFF_RUNNING`: VDSM's "up".
    public var isUp: Bool {
        get { storage.fields.isUp }
        set { fields.isUp = newValue }
    }
    /// Mbps; `nil` when unknown (down links, virtual devices, drivers that do not say).
    public var speedMbps: Int? {
        get { storage.fields.speedMbps }
        set { fields.speedMbps = newValue }
    }
    public var addresses: [Address] {
        get { storage.fields.addresses }
        set { fields.addresses = newValue }
    }
    /// The address the Address column shows: the first primary, non-link-scope IPv4 address, else the
    /// first global IPv6 one (`a.b.c.d/N`).
    public var primaryAddress: String? {
        get { storage.fields.primaryAddress }
        set { fields.primaryAddress = newValue }
    }
    /// The bridge, bond or OVS datapath this link is enslaved to.
    public var master: String? {
        get { storage.fields.master }
        set { fields.master = newValue }
    }
    /// `bond`, `bridge` or `openvswitch` when enslaved.
    public var slaveKind: String? {
        get { storage.fields.slaveKind }
        set { fields.slaveKind = newValue }
    }
    /// The Bond column: the bond this link is a slave of, or the bond itself.
    public var bond: String? {
        get { storage.fields.bond }
        set { fields.bond = newValue }
    }
    public var vlanID: Int? {
        get { storage.fields.vlanID }
        set { fields.vlanID = newValue }
    }
    /// The lower device of a VLAN, macvlan or vxlan (not a veth's peer).
    public var parent: String? {
        get { storage.fields.parent }
        set { fields.parent = newValue }
    }
    /// A veth's peer, when it is in this namespace.
    public var peer: String? {
        get { storage.fields.peer }
        set { fields.peer = newValue }
    }
    /// A vxlan device's VNI and endpoints.
    public var vxlan: VXLAN? {
        get { storage.fields.vxlan }
        set { fields.vxlan = newValue }
    }
    public var bonding: BondDetails? {
        get { storage.fields.bonding }
        set { fields.bonding = newValue }
    }
    /// A Linux bridge's ports (from the masters in the link dump).
    public var bridgePorts: [String]? {
        get { storage.fields.bridgePorts }
        set { fields.bridgePorts = newValue }
    }
    /// Membership in Open vSwitch, from the OVS database.
    public var ovs: OVSMembership? {
        get { storage.fields.ovs }
        set { fields.ovs = newValue }
    }
    /// Cumulative 64-bit counters at the end of the sample.
    public var statistics: LinkStatistics {
        get { storage.fields.statistics }
        set { fields.statistics = newValue }
    }
    /// Rates over the sample interval; `nil` with `--no-rates` and on the first sample.
    public var rates: Rates? {
        get { storage.fields.rates }
        set { fields.rates = newValue }
    }
    public var classification: Classification {
        get { storage.fields.classification }
        set { fields.classification = newValue }
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
        storage = Storage(
            Fields(
                name: name, index: index, kind: kind, kernelKind: kernelKind, mac: mac, permanentMAC: permanentMAC,
                mtu: mtu, operState: operState, isUp: isUp, speedMbps: speedMbps, addresses: addresses,
                primaryAddress: primaryAddress, master: master, slaveKind: slaveKind, bond: bond, vlanID: vlanID,
                parent: parent, peer: peer, vxlan: nil, bonding: bonding, bridgePorts: bridgePorts, ovs: ovs,
                statistics: statistics, rates: rates, classification: classification))
    }

    /// A row's stored fields, in the order the JSON schema lists them (their synthesized `Codable` is the row's).
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

    private final class Storage: @unchecked Sendable {
        // Written only through `HostInterface.fields`, which first copies a shared storage: a row's value never
        // changes while another row or thread can see it.
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var fields: Fields {
        get { storage.fields }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            yield &storage.fields
        }
    }

    public init(from decoder: any Decoder) throws { storage = Storage(try Fields(from: decoder)) }

    public func encode(to encoder: any Encoder) throws { try storage.fields.encode(to: encoder) }

    public static func == (lhs: HostInterface, rhs: HostInterface) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    public func hash(into hasher: inout Hasher) { storage.fields.hash(into: &hasher) }

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
