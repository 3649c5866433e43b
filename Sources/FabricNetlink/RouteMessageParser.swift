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
    /// a link message that would crash libnl (``RawLinkAttributes/crashesLibnl``).
    func parse(_ message: OpaquePointer) -> Parsed? {
        parsed = nil
        let header = nlmsg_hdr(message)!
        let context = Unmanaged.passUnretained(self).toOpaque()
        withExtendedLifetime(self) {
            switch Int(header.pointee.nlmsg_type) {
            case RTM_NEWLINK, RTM_DELLINK:
                guard Self.linkFamily(header) == UInt8(AF_UNSPEC) else { return }
                let raw = RawLinkAttributes(header)
                guard !raw.crashesLibnl else { return }
                pendingTunMode = raw.tunMode
                pendingVLANID = raw.vlanID
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

/// What libnl 3.7 drops or mishandles in a raw link message, read in one walk of its attributes (a dump
/// reads this for every link, so the walk is Swift arithmetic, not a libnl call per attribute and type).
struct RawLinkAttributes {
    /// Whether the message would crash libnl 3.7's parser (both found by `fuzz-netlink`; the kernel sends
    /// neither): a string attribute without its NUL among those libnl copies with `strdup` (its policy does not
    /// check `IFLA_INFO_SLAVE_KIND`: a heap over-read), or, in the `IFLA_LINKINFO` libnl reads (the last),
    /// `IFLA_INFO_XSTATS` without `IFLA_INFO_DATA` (libnl then hands the kind's parser, `vlan`'s for one, a
    /// NULL data attribute to parse).
    private(set) var crashesLibnl = false
    /// `IFLA_LINKINFO` → `IFLA_INFO_DATA` → `IFLA_TUN_TYPE` (`IFF_TUN` 1, `IFF_TAP` 2) of a `tun` link, from the
    /// first of each as `nla_find` finds them: libnl 3.7 has no `tun` link-info parser and drops the attribute.
    private(set) var tunMode: String?
    /// `IFLA_LINKINFO` → `IFLA_INFO_DATA` → `IFLA_VLAN_ID`, from the last of each (the one `nla_parse` keeps).
    /// Not through `rtnl_link_vlan_get_id`: libnl allocates a link's VLAN data only when the message has
    /// `IFLA_INFO_DATA`, and the getter then reads through a NULL pointer, so a `vlan` link message without it
    /// crashed the agent (found by `fuzz-netlink`).
    private(set) var vlanID: UInt16?

    init(_ header: UnsafeMutablePointer<nlmsghdr>) {
        let headerLength = Int32(MemoryLayout<ifinfomsg>.size)
        var first: LinkInfo?
        var last: LinkInfo?
        for attribute in NetlinkAttributes(nlmsg_attrdata(header, headerLength), nlmsg_attrlen(header, headerLength)) {
            switch attribute.type {
            case IFLA_IFNAME, IFLA_QDISC, IFLA_IFALIAS, IFLA_PHYS_PORT_NAME:
                if !attribute.payload.contains(0) { crashesLibnl = true }
            case IFLA_LINKINFO:
                let info = LinkInfo(attribute.payload)
                if info.hasUnterminatedKind { crashesLibnl = true }
                if first == nil { first = info }
                last = info
            default:
                break
            }
        }
        if let last, last.hasStatistics, last.lastData == nil { crashesLibnl = true }
        guard !crashesLibnl else { return }
        if let first, first.firstKind.map(Self.text) == "tun", let data = first.firstData,
            let type = NetlinkAttributes(data).first(where: { $0.type == IFLA_TUN_TYPE }), !type.payload.isEmpty
        {
            switch type.payload[0] {
            case 1: tunMode = "tun"
            case 2: tunMode = "tap"
            default: break
            }
        }
        if let data = last?.lastData {
            var id: NetlinkAttributes.Attribute?
            for attribute in NetlinkAttributes(data) where attribute.type == IFLA_VLAN_ID { id = attribute }
            if let id, id.payload.count >= 2 { vlanID = id.payload.loadUnaligned(as: UInt16.self) }
        }
    }

    /// One `IFLA_LINKINFO`'s attributes, as far as the checks above need them.
    private struct LinkInfo {
        var firstKind: UnsafeRawBufferPointer?
        var firstData: UnsafeRawBufferPointer?
        var lastData: UnsafeRawBufferPointer?
        var hasStatistics = false
        var hasUnterminatedKind = false

        init(_ payload: UnsafeRawBufferPointer) {
            for attribute in NetlinkAttributes(payload) {
                switch attribute.type {
                case IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND:
                    if !attribute.payload.contains(0) { hasUnterminatedKind = true }
                    if attribute.type == IFLA_INFO_KIND, firstKind == nil { firstKind = attribute.payload }
                case IFLA_INFO_DATA:
                    if firstData == nil { firstData = attribute.payload }
                    lastData = attribute.payload
                case IFLA_INFO_XSTATS:
                    hasStatistics = true
                default:
                    break
                }
            }
        }
    }

    /// An attribute's payload up to its first NUL, never past the attribute: the raw message is read before
    /// libnl validates it, so a string attribute may lack its NUL (found by `fuzz-netlink`).
    private static func text(_ payload: UnsafeRawBufferPointer) -> String {
        String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// The attributes among `length` bytes at `start`, walked as libnl walks them (`nla_ok`, `nla_next`): each with
/// its type without the nested and byte-order flags, and its payload.
struct NetlinkAttributes: Sequence, IteratorProtocol {
    struct Attribute {
        var type: Int
        var payload: UnsafeRawBufferPointer
    }

    private var cursor: UnsafeRawPointer?
    private var remaining: Int

    init(_ start: UnsafeMutableRawPointer?, _ length: Int32) {
        cursor = UnsafeRawPointer(start)
        remaining = Int(length)
    }

    init(_ payload: UnsafeRawBufferPointer) {
        cursor = payload.baseAddress
        remaining = payload.count
    }

    mutating func next() -> Attribute? {
        let headerSize = MemoryLayout<nlattr>.size
        guard let current = cursor, remaining >= headerSize else { return nil }
        let length = Int(current.loadUnaligned(as: UInt16.self))
        guard length >= headerSize, length <= remaining else { return nil }
        let type = Int(current.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) & ~(Int(NLA_F_NESTED) | Int(NLA_F_NET_BYTEORDER))
        let aligned = (length + Int(NLA_ALIGNTO) - 1) & ~(Int(NLA_ALIGNTO) - 1)
        remaining -= aligned
        cursor = current + aligned
        return Attribute(type: type, payload: UnsafeRawBufferPointer(start: current + headerSize, count: length - headerSize))
    }
}
