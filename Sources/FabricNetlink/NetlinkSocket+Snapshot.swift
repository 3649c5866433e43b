// SPDX-License-Identifier: Apache-2.0
internal import CNetlink
internal import CNetlinkShims

extension NetlinkSocket {
    /// Reads every link and every address of the socket's network namespace.
    ///
    /// Exactly one `RTM_GETLINK` dump and one `RTM_GETADDR` dump (both families) go to the kernel: no
    /// request per link, no sysfs, no process. Each dump is parsed message by message with libnl's own
    /// parsers (`nl_msg_parse`, the same code `rtnl_link_alloc_cache` uses), which also lets fabric read
    /// `IFLA_TUN_TYPE`, an attribute libnl 3.7 has no parser for. No libnl cache is kept.
    ///
    /// Consistency: each dump is consistent in itself; a dump the kernel marks interrupted
    /// (`NLM_F_DUMP_INTR`) is repeated up to ``maximumDumpAttempts`` times. The two dumps are not atomic
    /// together: addresses whose link is missing from the link dump (the link vanished in between) are
    /// dropped, so every address in the result belongs to a link in the result. A `masterIndex` or
    /// `parentIndex` may still name a link that is not in the result (it vanished during the dump, or
    /// `parentNetnsID` says it lives in another namespace).
    ///
    /// A message libnl's parser rejects is skipped rather than failing the whole snapshot, so one odd
    /// link cannot blind the agent to all the others.
    ///
    /// - Returns: links sorted by ifindex, and addresses in kernel order.
    /// - Throws: ``NetlinkError/dumpInterrupted`` after too many interrupted dumps, or the socket's error.
    public func snapshot() throws(NetlinkError) -> NetlinkSnapshot {
        let collector = DumpCollector()
        try dump(Int32(RTM_GETLINK), collector: collector)
        try dump(Int32(RTM_GETADDR), collector: collector)
        let links = collector.links.sorted { $0.index < $1.index }
        let present = Set(links.map(\.index))
        let addresses = collector.addresses.filter { present.contains($0.linkIndex) }
        return NetlinkSnapshot(links: links, addresses: addresses)
    }

    /// Every link's 64-bit counters: one `RTM_GETSTATS` dump filtered to `IFLA_STATS_LINK_64`.
    ///
    /// For the agent's periodic rate samples. A link dump makes the kernel fill each link's whole
    /// `ifinfomsg` (IPv6 per-link statistics included) only for fabric to keep eight counters; this
    /// dump asks for just those, so it costs a fraction of a link dump on both sides.
    /// Links are identified by ifindex only (the message has no name).
    public func linkCounters() throws(NetlinkError) -> [LinkCounters] {
        let collector = DumpCollector()
        try dump(Int32(RTM_GETSTATS), collector: collector)
        return collector.counters
    }

    /// Sends one dump request and parses the whole answer into `collector`, repeating interrupted dumps.
    private func dump(_ messageType: Int32, collector: DumpCollector) throws(NetlinkError) {
        let what = switch messageType {
        case Int32(RTM_GETLINK): "link dump"
        case Int32(RTM_GETSTATS): "statistics dump"
        default: "address dump"
        }
        for _ in 0..<Self.maximumDumpAttempts {
            collector.startDump(messageType)
            collector.expectedSequence = try sendDumpRequest(messageType, what: what)
            guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else { throw NetlinkError.noMemory.during(what) }
            defer { nl_cb_put(callbacks) }
            let context = Unmanaged.passUnretained(collector).toOpaque()
            nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, dumpMessageReceived, context)
            nl_cb_set(callbacks, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, dumpSequenceCheck, context)
            let received = withExtendedLifetime(collector) { nl_recvmsgs(handle, callbacks) }
            if received == -NLE_DUMP_INTR { continue }
            try NetlinkError.check(received, what)
            return
        }
        throw NetlinkError.dumpInterrupted.during("\(what), \(Self.maximumDumpAttempts) attempts")
    }

    /// Sends `RTM_GETLINK`, `RTM_GETADDR` or `RTM_GETSTATS` with `NLM_F_DUMP` for all families and
    /// returns its sequence number. No `IFLA_EXT_MASK`: fabric needs no VF list, and leaving it out keeps
    /// link messages small.
    private func sendDumpRequest(_ messageType: Int32, what: String) throws(NetlinkError) -> UInt32 {
        guard let message = nlmsg_alloc_simple(messageType, NLM_F_DUMP) else {
            throw NetlinkError.noMemory.during(what)
        }
        defer { nlmsg_free(message) }
        var appended: Int32
        if messageType == Int32(RTM_GETLINK) {
            var header = ifinfomsg()
            header.ifi_family = UInt8(AF_UNSPEC)
            appended = nlmsg_append(message, &header, MemoryLayout<ifinfomsg>.size, Int32(NLMSG_ALIGNTO))
        } else if messageType == Int32(RTM_GETSTATS) {
            var header = if_stats_msg()
            header.family = UInt8(AF_UNSPEC)
            header.filter_mask = 1 << (UInt32(IFLA_STATS_LINK_64) - 1)
            appended = nlmsg_append(message, &header, MemoryLayout<if_stats_msg>.size, Int32(NLMSG_ALIGNTO))
        } else {
            var header = ifaddrmsg()
            header.ifa_family = UInt8(AF_UNSPEC)
            appended = nlmsg_append(message, &header, MemoryLayout<ifaddrmsg>.size, Int32(NLMSG_ALIGNTO))
        }
        try NetlinkError.check(appended, what)
        try NetlinkError.check(nl_send_auto(handle, message), "send \(what) request")
        return nlmsg_hdr(message).pointee.nlmsg_seq
    }
}

/// What one dump collects. Callbacks run synchronously inside `nl_recvmsgs` on the calling thread and
/// reach this object through the `void *` argument; they never throw through the C frames.
private final class DumpCollector {
    var links: [Link] = []
    var addresses: [InterfaceAddress] = []
    var counters: [LinkCounters] = []
    var expectedSequence: UInt32 = 0
    let parser = RouteMessageParser()

    func startDump(_ messageType: Int32) {
        switch messageType {
        case Int32(RTM_GETLINK): links.removeAll(keepingCapacity: true)
        case Int32(RTM_GETSTATS): counters.removeAll(keepingCapacity: true)
        default: addresses.removeAll(keepingCapacity: true)
        }
    }
}

/// Accepts only replies to the request just sent; skips anything left over from an earlier, aborted
/// exchange instead of failing with `NLE_SEQ_MISMATCH`.
private func dumpSequenceCheck(_ message: OpaquePointer?, _ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let message, let context else { return Int32(NL_SKIP.rawValue) }
    let collector = Unmanaged<DumpCollector>.fromOpaque(context).takeUnretainedValue()
    let matches = nlmsg_hdr(message).pointee.nlmsg_seq == collector.expectedSequence
    return Int32(matches ? NL_OK.rawValue : NL_SKIP.rawValue)
}

private func dumpMessageReceived(_ message: OpaquePointer?, _ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let message, let context else { return Int32(NL_SKIP.rawValue) }
    let collector = Unmanaged<DumpCollector>.fromOpaque(context).takeUnretainedValue()
    if Int(nlmsg_hdr(message).pointee.nlmsg_type) == RTM_NEWSTATS {
        if let counters = LinkCounters(statisticsMessage: nlmsg_hdr(message)) { collector.counters.append(counters) }
        return Int32(NL_OK.rawValue)
    }
    // A message libnl cannot parse is skipped: one odd link must not make every snapshot fail.
    switch collector.parser.parse(message) {
    case .link(let link): collector.links.append(link)
    case .address(let address): collector.addresses.append(address)
    case nil: break
    }
    return Int32(NL_OK.rawValue)
}
