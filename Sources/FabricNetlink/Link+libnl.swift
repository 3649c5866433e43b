// SPDX-License-Identifier: Apache-2.0
internal import CNetlink
internal import FabricPOSIX

extension Link {
    /// Copies a parsed `struct rtnl_link *` (borrowed, +0: valid only during the parse callback), with what
    /// ``RouteMessageParser`` read from the raw message itself (`tunMode`, `vlanID`).
    /// Returns `nil` for a message without a name, which the kernel never sends for a real link.
    init?(libnlLink link: OpaquePointer, tunMode: String?, vlanID: UInt16?) {
        guard let name = rtnl_link_get_name(link) else { return nil }
        let kind = rtnl_link_get_type(link).map { LinkKind(rawValue: String(cString: $0)) }
        var netnsID: Int32 = 0
        let hasNetnsID = rtnl_link_get_link_netnsid(link, &netnsID) == 0
        let master = rtnl_link_get_master(link)
        let parent = rtnl_link_get_link(link)
        self.init(
            index: rtnl_link_get_ifindex(link),
            name: String(cString: name),
            kind: kind,
            slaveKind: rtnl_link_get_slave_type(link).map { LinkKind(rawValue: String(cString: $0)) },
            flags: rtnl_link_get_flags(link),
            operState: OperState(kernelValue: rtnl_link_get_operstate(link)),
            mtu: rtnl_link_get_mtu(link),
            mac: Self.hardwareAddressText(rtnl_link_get_addr(link), linkType: rtnl_link_get_arptype(link)),
            masterIndex: master > 0 ? master : nil,
            parentIndex: parent > 0 ? parent : nil,
            parentNetnsID: parent > 0 && hasNetnsID ? netnsID : nil,
            vlanID: kind == .vlan ? vlanID : nil,
            tunMode: kind == .tun ? tunMode : nil,
            // The vxlan getters assert (and abort) on any other kind of link.
            vxlan: rtnl_link_is_vxlan(link) != 0 ? VXLANInfo(libnlLink: link) : nil,
            statistics: LinkStatistics(libnlLink: link)
        )
    }

    /// `IFLA_ADDRESS` the way iproute2's `ll_addr_n2a` prints it: IP text for IP tunnels, else
    /// lower-case colon hex; `nil` when the attribute is absent or empty (`tun`, `ipip` without address).
    static func hardwareAddressText(_ address: OpaquePointer?, linkType: UInt32) -> String? {
        guard let address, let bytes = nl_addr_get_binary_addr(address) else { return nil }
        let length = Int(nl_addr_get_len(address))
        guard length > 0 else { return nil }
        let raw = UnsafeRawBufferPointer(start: bytes, count: length)
        // ARPHRD_TUNNEL 768, ARPHRD_SIT 776, ARPHRD_IPGRE 778; ARPHRD_TUNNEL6 769, ARPHRD_IP6GRE 823.
        if length == 4, [768, 776, 778].contains(linkType) { return ipText(raw, family: AF_INET) }
        if length == 16, [769, 823].contains(linkType) { return ipText(raw, family: AF_INET6) }
        return hexText(raw)
    }

    static func hexText(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 3)
        for (offset, byte) in bytes.enumerated() {
            if offset > 0 { text.append(UInt8(ascii: ":")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension VXLANInfo {
    /// Reads a link libnl parsed as vxlan (checked by the caller with `rtnl_link_is_vxlan`); `nil` without a VNI.
    init?(libnlLink link: OpaquePointer) {
        var vni: UInt32 = 0
        guard rtnl_link_vxlan_get_id(link, &vni) == 0 else { return nil }
        // Both address getters build a new nl_addr the caller puts.
        func address(_ get: (OpaquePointer, UnsafeMutablePointer<OpaquePointer?>) -> Int32) -> String? {
            var address: OpaquePointer?
            guard get(link, &address) == 0, let address else { return nil }
            defer { nl_addr_put(address) }
            guard nl_addr_get_len(address) == 4, let bytes = nl_addr_get_binary_addr(address) else { return nil }
            let text = ipText(UnsafeRawBufferPointer(start: bytes, count: 4), family: AF_INET)
            return text == "0.0.0.0" ? nil : text
        }
        let destination = address { rtnl_link_vxlan_get_group($0, $1) }
        var port: UInt32 = 0
        var lower: UInt32 = 0
        self.init(
            vni: vni,
            group: destination.flatMap { Self.isMulticast($0) ? $0 : nil },
            remote: destination.flatMap { Self.isMulticast($0) ? nil : $0 },
            local: address { rtnl_link_vxlan_get_local($0, $1) },
            port: rtnl_link_vxlan_get_port(link, &port) == 0 && port > 0 ? UInt16(truncatingIfNeeded: port) : nil,
            lowerIndex: rtnl_link_vxlan_get_link(link, &lower) == 0 && lower > 0 ? Int32(bitPattern: lower) : nil)
    }
}

/// `inet_ntop` of a 4- or 16-byte buffer.
func ipText(_ bytes: UnsafeRawBufferPointer, family: Int32) -> String? {
    ipAddressText(bytes, family: family)
}

extension LinkStatistics {
    /// The 64-bit counters libnl filled from `IFLA_STATS64` (or `IFLA_STATS` on old kernels).
    init(libnlLink link: OpaquePointer) {
        func stat(_ id: rtnl_link_stat_id_t) -> UInt64 { rtnl_link_get_stat(link, id) }
        self.init(
            rxBytes: stat(RTNL_LINK_RX_BYTES), txBytes: stat(RTNL_LINK_TX_BYTES),
            rxPackets: stat(RTNL_LINK_RX_PACKETS), txPackets: stat(RTNL_LINK_TX_PACKETS),
            rxErrors: stat(RTNL_LINK_RX_ERRORS), txErrors: stat(RTNL_LINK_TX_ERRORS),
            rxDropped: stat(RTNL_LINK_RX_DROPPED), txDropped: stat(RTNL_LINK_TX_DROPPED)
        )
    }
}

extension InterfaceAddress {
    /// Copies a parsed `struct rtnl_addr *` (borrowed, +0). Returns `nil` for families other than IPv4
    /// and IPv6, and for an address without a local part.
    init?(libnlAddress address: OpaquePointer) {
        let family: Family
        let length: Int
        switch rtnl_addr_get_family(address) {
        case AF_INET: (family, length) = (.ipv4, 4)
        case AF_INET6: (family, length) = (.ipv6, 16)
        default: return nil
        }
        guard let local = rtnl_addr_get_local(address), Int(nl_addr_get_len(local)) == length,
            let bytes = nl_addr_get_binary_addr(local),
            let text = ipText(UnsafeRawBufferPointer(start: bytes, count: length),
                family: family == .ipv4 ? AF_INET : AF_INET6)
        else { return nil }
        self.init(
            linkIndex: Int32(rtnl_addr_get_ifindex(address)),
            family: family,
            address: text,
            prefixLength: UInt8(truncatingIfNeeded: rtnl_addr_get_prefixlen(address)),
            scope: UInt8(truncatingIfNeeded: rtnl_addr_get_scope(address)),
            flags: rtnl_addr_get_flags(address),
            label: rtnl_addr_get_label(address).map { String(cString: $0) }
        )
    }
}

extension LinkCounters {
    /// Reads an `RTM_NEWSTATS` message: `if_stats_msg`, then `IFLA_STATS_LINK_64` (a
    /// `struct rtnl_link_stats64`, of which the first eight counters are used; later kernels append
    /// fields, so only a minimum length is required). `nil` without that attribute.
    init?(statisticsMessage header: UnsafeMutablePointer<nlmsghdr>) {
        let headerLength = MemoryLayout<if_stats_msg>.size
        guard Int(header.pointee.nlmsg_len) >= MemoryLayout<nlmsghdr>.size + headerLength,
            let payload = nlmsg_data(header),
            let attribute = nlmsg_find_attr(header, Int32(headerLength), Int32(IFLA_STATS_LINK_64)),
            nla_len(attribute) >= 8 * 8, let data = nla_data(attribute)
        else { return nil }
        let raw = UnsafeRawPointer(data)
        // Attribute payloads are 4-byte aligned only.
        func counter(_ position: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: position * 8, as: UInt64.self) }
        self.init(
            index: Int32(bitPattern: payload.assumingMemoryBound(to: if_stats_msg.self).pointee.ifindex),
            statistics: LinkStatistics(
                rxBytes: counter(2), txBytes: counter(3), rxPackets: counter(0), txPackets: counter(1),
                rxErrors: counter(4), txErrors: counter(5), rxDropped: counter(6), txDropped: counter(7)))
    }
}
