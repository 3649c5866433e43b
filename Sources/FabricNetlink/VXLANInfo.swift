// SPDX-License-Identifier: Apache-2.0

/// A VXLAN device's segment and endpoints, as the kernel reports them (`IFLA_VXLAN_*`); what `ip -d link show`
/// prints as `vxlan id 1001 group 239.1.1.1 local 192.0.2.11 dev eth1 dstport 8472`. IPv4 endpoints only
/// (libnl 3.7 has no getters for the IPv6 ones).
public struct VXLANInfo: Sendable, Hashable, Codable {
    /// The VXLAN network identifier.
    public var vni: UInt32
    /// The multicast group the device floods to (`IFLA_VXLAN_GROUP` when it is a multicast address).
    public var group: String?
    /// The one remote endpoint of a point-to-point device (`IFLA_VXLAN_GROUP` when it is unicast).
    public var remote: String?
    public var local: String?
    /// The UDP destination port (4789 IANA, 8472 the Linux default the Neutron agent keeps).
    public var port: UInt16?
    /// The lower device's ifindex (`IFLA_VXLAN_LINK`).
    public var lowerIndex: Int32?

    public init(
        vni: UInt32, group: String? = nil, remote: String? = nil, local: String? = nil, port: UInt16? = nil,
        lowerIndex: Int32? = nil
    ) {
        self.vni = vni
        self.group = group
        self.remote = remote
        self.local = local
        self.port = port
        self.lowerIndex = lowerIndex
    }

    /// Whether the kernel's one destination address is a group (224.0.0.0/4) or a single remote.
    static func isMulticast(_ address: String) -> Bool {
        guard let first = address.split(separator: ".").first.flatMap({ UInt8($0) }) else { return false }
        return (224...239).contains(first)
    }
}
