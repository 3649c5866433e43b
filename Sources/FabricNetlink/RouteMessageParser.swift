// SPDX-License-Identifier: Apache-2.0
internal import CNetlink

/// Turns one rtnetlink link or address message — a dump reply or a notification — into a ``Link`` or an
/// ``InterfaceAddress`` with libnl's own parsers (`nl_msg_parse`, the code `rtnl_link_alloc_cache`
/// uses), plus `IFLA_TUN_TYPE`, which libnl 3.7 has no parser for. Dumps and the change monitor share
/// it, so a link reads the same whichever way it arrived. One parser serves one thread.
final class RouteMessageParser {
    enum Parsed {
        case link(Link)
        case address(InterfaceAddress)
    }

    /// Set by the parse callbacks, which run synchronously inside `nl_msg_parse`.
    fileprivate var parsed: Parsed?
    fileprivate var pendingTunMode: String?
    fileprivate var pendingVLANID: UInt16?

    /// Parses a libnl message (`struct nl_msg *`, borrowed). `nil` for other message types, for
    /// `AF_BRIDGE` link messages (bridge-port state, sent beside the link's own message; an
    /// `RTM_DELLINK` of that family means "left the bridge", not "deleted"), for what libnl rejects, and for
    /// a link message that would crash libnl (``crashesLibnl(_:)``).
    func parse(_ message: OpaquePointer) -> Parsed? {
        parsed = nil
        let header = nlmsg_hdr(message)!
        let context = Unmanaged.passUnretained(self).toOpaque()
        withExtendedLifetime(self) {
            switch Int(header.pointee.nlmsg_type) {
            case RTM_NEWLINK, RTM_DELLINK:
                guard Self.linkFamily(header) == UInt8(AF_UNSPEC), !crashesLibnl(header) else { return }
                pendingTunMode = tunMode(of: header)
                pendingVLANID = vlanID(of: header)
                _ = nl_msg_parse(message, linkObjectParsed, context)
            case RTM_NEWADDR, RTM_DELADDR:
                _ = nl_msg_parse(message, addressObjectParsed, context)
            default:
                break
            }
        }
        return parsed
    }

    /// Parses a message read with `recv` (the bytes stay the caller's; libnl gets a copy).
    func parse(raw header: UnsafeMutablePointer<nlmsghdr>) -> Parsed? {
        guard let message = nlmsg_convert(header) else { return nil }
        defer { nlmsg_free(message) }
        // nl_msg_parse finds the parser by protocol and type; a converted message has no protocol yet.
        nlmsg_set_proto(message, NETLINK_ROUTE)
        return parse(message)
    }

    /// `ifinfomsg.ifi_family`, or `nil` for a message too short to have one.
    private static func linkFamily(_ header: UnsafeMutablePointer<nlmsghdr>) -> UInt8? {
        guard Int(header.pointee.nlmsg_len) >= MemoryLayout<nlmsghdr>.size + MemoryLayout<ifinfomsg>.size,
            let payload = nlmsg_data(header)
        else { return nil }
        return payload.assumingMemoryBound(to: ifinfomsg.self).pointee.ifi_family
    }
}

private func linkObjectParsed(_ object: OpaquePointer?, _ context: UnsafeMutableRawPointer?) {
    guard let object, let context else { return }
    let parser = Unmanaged<RouteMessageParser>.fromOpaque(context).takeUnretainedValue()
    parser.parsed = Link(libnlLink: object, tunMode: parser.pendingTunMode, vlanID: parser.pendingVLANID).map { .link($0) }
}

private func addressObjectParsed(_ object: OpaquePointer?, _ context: UnsafeMutableRawPointer?) {
    guard let object, let context else { return }
    let parser = Unmanaged<RouteMessageParser>.fromOpaque(context).takeUnretainedValue()
    parser.parsed = InterfaceAddress(libnlAddress: object).map { .address($0) }
}

/// `IFLA_LINKINFO` → `IFLA_INFO_DATA` → `IFLA_TUN_TYPE` (`IFF_TUN` 1, `IFF_TAP` 2) for `tun` links.
/// libnl 3.7 has no `tun` link-info parser and drops the attribute, so it is read from the raw message.
private func tunMode(of header: UnsafeMutablePointer<nlmsghdr>) -> String? {
    guard let info = nlmsg_find_attr(header, Int32(MemoryLayout<ifinfomsg>.size), Int32(IFLA_LINKINFO)),
        let kindAttribute = nla_find(nla_data(info)?.assumingMemoryBound(to: nlattr.self), nla_len(info),
            Int32(IFLA_INFO_KIND)),
        text(of: kindAttribute) == "tun",
        let data = nla_find(nla_data(info)?.assumingMemoryBound(to: nlattr.self), nla_len(info),
            Int32(IFLA_INFO_DATA)),
        let type = nla_find(nla_data(data)?.assumingMemoryBound(to: nlattr.self), nla_len(data),
            Int32(IFLA_TUN_TYPE)), nla_len(type) >= 1
    else { return nil }
    switch nla_get_u8(type) {
    case 1: return "tun"
    case 2: return "tap"
    default: return nil
    }
}

/// Whether a link message would crash libnl 3.7's parser (both found by `fuzz-netlink`; the kernel sends
/// neither): a string attribute without its NUL among those libnl copies with `strdup` (its policy does not
/// check `IFLA_INFO_SLAVE_KIND`: a heap over-read), or, in the `IFLA_LINKINFO` libnl reads (the last),
/// `IFLA_INFO_XSTATS` without `IFLA_INFO_DATA` (libnl then hands the kind's parser, `vlan`'s for one, a NULL
/// data attribute to parse).
private func crashesLibnl(_ header: UnsafeMutablePointer<nlmsghdr>) -> Bool {
    let headerLength = Int32(MemoryLayout<ifinfomsg>.size)
    let top = (nlmsg_attrdata(header, headerLength), nlmsg_attrlen(header, headerLength))
    let linkInfos = attributes(IFLA_LINKINFO, top.0, top.1).map { (nla_data($0), nla_len($0)) }
    if let last = linkInfos.last, lastAttribute(IFLA_INFO_XSTATS, last.0, last.1) != nil,
        lastAttribute(IFLA_INFO_DATA, last.0, last.1) == nil
    {
        return true
    }
    let strings =
        [IFLA_IFNAME, IFLA_QDISC, IFLA_IFALIAS, IFLA_PHYS_PORT_NAME].flatMap { attributes($0, top.0, top.1) }
        + linkInfos.flatMap { info in [IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND].flatMap { attributes($0, info.0, info.1) } }
    return strings.contains { attribute in
        !UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(max(0, nla_len(attribute)))).contains(0)
    }
}

/// Every attribute of `type` among the `length` bytes of attributes at `start`, in order.
private func attributes(_ type: Int, _ start: UnsafeMutableRawPointer?, _ length: Int32) -> [UnsafeMutablePointer<nlattr>] {
    var attribute = start?.assumingMemoryBound(to: nlattr.self)
    var remaining = length
    var found: [UnsafeMutablePointer<nlattr>] = []
    while let current = attribute, nla_ok(current, remaining) != 0 {
        if nla_type(current) == Int32(type) { found.append(current) }
        attribute = nla_next(current, &remaining)
    }
    return found
}

/// An attribute's payload up to its first NUL, never past the attribute. The raw message is read before libnl
/// validates it, so a string attribute may lack its NUL: `String(cString:)` then read beyond the message
/// (found by `fuzz-netlink`).
private func text(of attribute: UnsafeMutablePointer<nlattr>) -> String {
    let payload = UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(max(0, nla_len(attribute))))
    return String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
}

/// `IFLA_LINKINFO` → `IFLA_INFO_DATA` → `IFLA_VLAN_ID`, read from the raw message where libnl reads it (the last
/// of each attribute counts, as in `nla_parse`). Not through `rtnl_link_vlan_get_id`: libnl allocates a link's
/// VLAN data only when the message has `IFLA_INFO_DATA`, and the getter then reads through a NULL pointer, so a
/// `vlan` link message without it crashed the agent (found by `fuzz-netlink`).
private func vlanID(of header: UnsafeMutablePointer<nlmsghdr>) -> UInt16? {
    let headerLength = Int32(MemoryLayout<ifinfomsg>.size)
    guard let info = lastAttribute(IFLA_LINKINFO, nlmsg_attrdata(header, headerLength), nlmsg_attrlen(header, headerLength)),
        let data = lastAttribute(IFLA_INFO_DATA, nla_data(info), nla_len(info)),
        let id = lastAttribute(IFLA_VLAN_ID, nla_data(data), nla_len(data)), nla_len(id) >= 2
    else { return nil }
    return nla_get_u16(id)
}

/// The last attribute of `type` among the `length` bytes of attributes at `start`: the one `nla_parse` keeps.
private func lastAttribute(_ type: Int, _ start: UnsafeMutableRawPointer?, _ length: Int32) -> UnsafeMutablePointer<nlattr>? {
    attributes(type, start, length).last
}
