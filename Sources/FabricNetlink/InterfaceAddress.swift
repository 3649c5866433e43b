// SPDX-License-Identifier: Apache-2.0

/// One IPv4 or IPv6 address from the address dump.
public struct InterfaceAddress: Sendable, Hashable, Codable {
    public enum Family: String, Sendable, Hashable, Codable {
        case ipv4 = "inet"
        case ipv6 = "inet6"
    }

    /// ifindex of the link that carries the address.
    public var linkIndex: Int32
    public var family: Family
    /// The local address in its textual form (`192.0.2.1`, `2001:db8::1`), without prefix.
    public var address: String
    public var prefixLength: UInt8
    /// `RT_SCOPE_*`: 0 universe, 200 site, 253 link, 254 host.
    public var scope: UInt8
    /// `IFA_F_*` flags (`IFA_F_SECONDARY` = 0x01, …).
    public var flags: UInt32
    /// IPv4 label (`IFA_LABEL`), if any.
    public var label: String?

    public init(
        linkIndex: Int32, family: Family, address: String, prefixLength: UInt8, scope: UInt8 = 0,
        flags: UInt32 = 0, label: String? = nil
    ) {
        self.linkIndex = linkIndex
        self.family = family
        self.address = address
        self.prefixLength = prefixLength
        self.scope = scope
        self.flags = flags
        self.label = label
    }

    /// `IFA_F_SECONDARY` (for IPv6 the same bit is `IFA_F_TEMPORARY`).
    public var isSecondary: Bool { flags & 0x01 != 0 }
    /// `RT_SCOPE_LINK`.
    public var isLinkScope: Bool { scope == 253 }
    /// `address/prefix`, as `ip` and VDSM's `ipv4addrs` print it.
    public var cidr: String { "\(address)/\(prefixLength)" }
}

/// The links and addresses of one network namespace, from one link dump and one address dump.
public struct NetlinkSnapshot: Sendable, Hashable {
    public var links: [Link]
    public var addresses: [InterfaceAddress]

    public init(links: [Link], addresses: [InterfaceAddress]) {
        self.links = links
        self.addresses = addresses
    }
}
