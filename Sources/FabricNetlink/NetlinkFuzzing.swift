// SPDX-License-Identifier: Apache-2.0
internal import CNetlink

/// The kernel-message parsers, reachable from the libFuzzer targets in `Fuzz/` (`@_spi(Fuzzing) import
/// FabricNetlink`) without a socket: they are fed bytes that never came from a kernel. Not API.
@_spi(Fuzzing) public enum NetlinkFuzzing {
    /// `datagram` read as one `recv` of the change monitor: every message in it, parsed into events.
    public static func events(inDatagram datagram: [UInt8]) -> NetlinkEventBatch {
        var batch = NetlinkEventBatch()
        // A copy: libnl reads the messages in place, and an array's storage is aligned as the kernel's are.
        var bytes = datagram
        bytes.withUnsafeMutableBytes { buffer in
            NetlinkChangeMonitor.parseDatagram(buffer, with: RouteMessageParser(), into: &batch)
        }
        return batch
    }

    /// Every `RTM_NEWSTATS` message of `datagram` read as a statistics dump reads it.
    public static func counters(inDatagram datagram: [UInt8]) -> [LinkCounters] {
        var counters: [LinkCounters] = []
        var bytes = datagram
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count >= MemoryLayout<nlmsghdr>.size else { return }
            var header = base.assumingMemoryBound(to: nlmsghdr.self)
            var remaining = Int32(clamping: buffer.count)
            // What nl_recvmsgs checks before it hands a dump callback a message.
            while nlmsg_ok(header, remaining) != 0 {
                if Int(header.pointee.nlmsg_type) == RTM_NEWSTATS, let parsed = LinkCounters(statisticsMessage: header) {
                    counters.append(parsed)
                }
                guard let next = nlmsg_next(header, &remaining) else { break }
                header = next
            }
        }
        return counters
    }
}
