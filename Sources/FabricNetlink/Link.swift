// SPDX-License-Identifier: Apache-2.0

/// One kernel network link as the link dump reported it, copied out of libnl into Swift values.
public struct Link: Sendable, Hashable, Codable {
    /// The kernel ifindex.
    public var index: Int32
    /// The kernel link name (`IFLA_IFNAME`).
    public var name: String
    /// `IFLA_INFO_KIND`; `nil` for physical NICs, VFs and `lo`.
    public var kind: LinkKind?
    /// `IFLA_INFO_SLAVE_KIND` (`bond`, `bridge`, `openvswitch`) when the link is enslaved.
    public var slaveKind: LinkKind?
    /// `IFF_*` flags (`ifi_flags`).
    public var flags: UInt32
    /// RFC 2863 operational state (`IFLA_OPERSTATE`).
    public var operState: OperState
    public var mtu: UInt32
    /// Current hardware address, lower-case colon-separated, as `ip` prints it (`00:00:00:00:00:00` for
    /// `lo`; dotted IPv4/IPv6 text for ipip/sit/gre tunnels); `nil` when the link has none (a `tun`).
    public var mac: String?
    /// Master ifindex (`IFLA_MASTER`): the bridge, bond or `ovs-system` this link is enslaved to.
    public var masterIndex: Int32?
    /// `IFLA_LINK`, as `ip -j` reports it (`link`/`link_index`): the lower device for VLAN and macvlan,
    /// the **peer** for veth; `nil` when the kernel sends none or 0 (vxlan keeps its lower device in
    /// `IFLA_VXLAN_LINK`, which is not reported here). When ``parentNetnsID`` is set, the index belongs
    /// to that other namespace and must not be looked up locally.
    public var parentIndex: Int32?
    /// `IFLA_LINK_NETNSID`: the namespace id (as this namespace numbers it) that ``parentIndex`` lives in,
    /// for example a veth whose peer was moved to another namespace; `ip -j` prints it as `link_netnsid`.
    public var parentNetnsID: Int32?
    /// 802.1Q id, only for `vlan` links.
    public var vlanID: UInt16?
    /// For `tun` links: `tun` or `tap` (`IFLA_TUN_TYPE`, read from the raw dump message because libnl 3.7
    /// does not parse it); `nil` for other kinds or kernels that do not send it.
    public var tunMode: String?
    /// For `vxlan` links: the VNI and the endpoints (`IFLA_VXLAN_*`).
    public var vxlan: VXLANInfo?
    /// 64-bit counters from `IFLA_STATS64`.
    public var statistics: LinkStatistics

    public init(
        index: Int32, name: String, kind: LinkKind? = nil, slaveKind: LinkKind? = nil, flags: UInt32 = 0,
        operState: OperState = .unknown, mtu: UInt32 = 1500, mac: String? = nil, masterIndex: Int32? = nil,
        parentIndex: Int32? = nil, parentNetnsID: Int32? = nil, vlanID: UInt16? = nil, tunMode: String? = nil,
        vxlan: VXLANInfo? = nil, statistics: LinkStatistics = LinkStatistics()
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.slaveKind = slaveKind
        self.flags = flags
        self.operState = operState
        self.mtu = mtu
        self.mac = mac
        self.masterIndex = masterIndex
        self.parentIndex = parentIndex
        self.parentNetnsID = parentNetnsID
        self.vlanID = vlanID
        self.tunMode = tunMode
        self.vxlan = vxlan
        self.statistics = statistics
    }

    /// `IFF_UP` (administratively up).
    public var isAdminUp: Bool { flags & 0x1 != 0 }
    /// `IFF_RUNNING` (carrier and oper-up as the kernel reports it in flags).
    public var isRunning: Bool { flags & 0x40 != 0 }
    /// VDSM's "up": `IFF_UP` and `IFF_RUNNING`.
    public var isUp: Bool { isAdminUp && isRunning }
}

/// RFC 2863 operational state, as `ip` prints it.
public enum OperState: String, Sendable, Hashable, Codable, CaseIterable {
    case unknown = "UNKNOWN"
    case notPresent = "NOTPRESENT"
    case down = "DOWN"
    case lowerLayerDown = "LOWERLAYERDOWN"
    case testing = "TESTING"
    case dormant = "DORMANT"
    case up = "UP"

    /// Maps the kernel's `IF_OPER_*` value (0…6).
    public init(kernelValue: UInt8) {
        switch kernelValue {
        case 1: self = .notPresent
        case 2: self = .down
        case 3: self = .lowerLayerDown
        case 4: self = .testing
        case 5: self = .dormant
        case 6: self = .up
        default: self = .unknown
        }
    }
}

/// The 64-bit link counters fabric reports (`struct rtnl_link_stats64`).
public struct LinkStatistics: Sendable, Hashable, Codable {
    public var rxBytes: UInt64
    public var txBytes: UInt64
    public var rxPackets: UInt64
    public var txPackets: UInt64
    public var rxErrors: UInt64
    public var txErrors: UInt64
    public var rxDropped: UInt64
    public var txDropped: UInt64

    public init(
        rxBytes: UInt64 = 0, txBytes: UInt64 = 0, rxPackets: UInt64 = 0, txPackets: UInt64 = 0,
        rxErrors: UInt64 = 0, txErrors: UInt64 = 0, rxDropped: UInt64 = 0, txDropped: UInt64 = 0
    ) {
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.rxPackets = rxPackets
        self.txPackets = txPackets
        self.rxErrors = rxErrors
        self.txErrors = txErrors
        self.rxDropped = rxDropped
        self.txDropped = txDropped
    }
}

/// One link's counters from a statistics dump (``NetlinkSocket/linkCounters()``), identified by
/// ifindex.
public struct LinkCounters: Sendable, Hashable {
    public var index: Int32
    public var statistics: LinkStatistics

    public init(index: Int32, statistics: LinkStatistics) {
        self.index = index
        self.statistics = statistics
    }
}
