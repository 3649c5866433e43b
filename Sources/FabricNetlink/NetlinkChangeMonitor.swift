// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX
internal import CNetlink

/// What changed in a namespace since the previous ``NetlinkChangeMonitor/waitForEvents(timeout:)``.
public struct NetlinkChanges: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A link appeared, vanished or changed (`RTM_NEWLINK`, `RTM_DELLINK`).
    public static let links = NetlinkChanges(rawValue: 1 << 0)
    /// An IPv4 or IPv6 address appeared, vanished or changed (`RTM_NEWADDR`, `RTM_DELADDR`).
    public static let addresses = NetlinkChanges(rawValue: 1 << 1)
    /// The socket's receive buffer overran (`ENOBUFS`): events were lost, so the caller must take a full
    /// ``NetlinkSocket/snapshot()`` instead of trusting what it knows.
    public static let overrun = NetlinkChanges(rawValue: 1 << 2)

    public var description: String {
        let names = [(Self.links, "links"), (Self.addresses, "addresses"), (Self.overrun, "overrun")]
        return "[" + names.filter { contains($0.0) }.map(\.1).joined(separator: ", ") + "]"
    }
}

/// A netlink socket subscribed to link and address notifications (`RTNLGRP_LINK`,
/// `RTNLGRP_IPV4_IFADDR`, `RTNLGRP_IPV6_IFADDR`) that hands its owner each notification parsed.
///
/// Use it the subscribe-first way, so no change falls between the dump and the subscription, and
/// replay every event onto the dump (each carries the object's whole state, so the replay converges
/// even on events the dump already reflects):
///
/// ```swift
/// var monitor = try NetlinkChangeMonitor()          // 1. subscribe
/// let socket = try NetlinkSocket()
/// var current = try socket.snapshot()               // 2. dump
/// while running {
///     let batch = try monitor.waitForEvents(timeout: .seconds(5))
///     if batch.needsResync { current = try socket.snapshot() }   // 3. events were lost: dump again
///     else { current.apply(batch) }                               //    else apply them
/// }
/// ```
///
/// Notifications are read with plain `recv` rather than `nl_recvmsgs`, because libnl reports the
/// kernel's `ENOBUFS` (lost events) as `NLE_NOMEM`, indistinguishable from a failed allocation.
/// Like ``NetlinkSocket``, a monitor belongs to one owner and is not `Sendable`.
public struct NetlinkChangeMonitor: ~Copyable {
    private let socket: NetlinkSocket
    private var buffer: [UInt8]
    private let parser = RouteMessageParser()

    /// Subscribes in the calling thread's network namespace.
    /// - Parameter receiveBufferSize: the socket's receive buffer in bytes; events beyond it are lost and
    ///   reported as ``NetlinkChanges/overrun``.
    public init(receiveBufferSize: Int32 = NetlinkSocket.receiveBufferSize) throws(NetlinkError) {
        try self.init(socket: NetlinkSocket(), receiveBufferSize: receiveBufferSize)
    }

    /// Subscribes inside another network namespace; see ``NetlinkSocket/init(networkNamespace:)``.
    public init(
        networkNamespace path: String, receiveBufferSize: Int32 = NetlinkSocket.receiveBufferSize
    ) throws(NetlinkError) {
        try self.init(socket: NetlinkSocket(networkNamespace: path), receiveBufferSize: receiveBufferSize)
    }

    private init(socket: consuming NetlinkSocket, receiveBufferSize: Int32) throws(NetlinkError) {
        // Notifications carry sequence number 0; libnl would reject them as mismatches otherwise.
        nl_socket_disable_seq_check(socket.handle)
        // One call per group: nl_socket_add_memberships is variadic and cannot be called from Swift.
        for group in [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR] {
            try NetlinkError.check(
                nl_socket_add_membership(socket.handle, Int32(group.rawValue)), "join rtnetlink group \(group)")
        }
        if receiveBufferSize != NetlinkSocket.receiveBufferSize {
            var size = receiveBufferSize
            let length = socklen_t(MemoryLayout<Int32>.size)
            if setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) != 0,
                setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &size, length) != 0
            {
                throw NetlinkError.lastSystemError("set event socket receive buffer size")
            }
        }
        self.socket = socket
        // Large enough for any link message without VF lists (the kernel sends notifications without
        // them); a longer datagram is reported as an overrun, so the owner resyncs instead of guessing.
        self.buffer = [UInt8](repeating: 0, count: 256 * 1024)
    }

    /// The receive buffer the kernel granted, comparable with the size asked for: `SO_RCVBUF` as `getsockopt`
    /// reports it, halved (the kernel doubles every request to leave room for its bookkeeping). Less than asked
    /// when a process without `CAP_NET_ADMIN` asks for more than `net.core.rmem_max`, which the kernel then
    /// grants instead, silently.
    public var grantedReceiveBufferSize: Int {
        var size: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &size, &length) == 0 else { return 0 }
        return Int(size) / 2
    }

    /// Waits until at least one notification (or an overrun) arrives, then reads everything already
    /// queued and returns it parsed.
    ///
    /// - Parameters:
    ///   - timeout: the longest wait; `nil` waits indefinitely.
    ///   - wakeDescriptor: a descriptor (an eventfd) whose readability ends the wait at once, so a thread
    ///     blocked here can be stopped without waking up periodically.
    /// - Returns: the events, or an empty batch when the timeout passed or the wake descriptor fired first.
    /// - Throws: a system-domain ``NetlinkError`` when `poll` or `recv` fails for another reason.
    public mutating func waitForEvents(timeout: Duration?, wakeDescriptor: Int32? = nil) throws(NetlinkError) -> NetlinkEventBatch {
        do {
            var watched: [(descriptor: Int32, events: PollEvents)] = [(socket.fileDescriptor, .readable)]
            if let wakeDescriptor { watched.append((wakeDescriptor, .readable)) }
            let ready = try FileDescriptor.poll(watched, timeout: timeout)
            if ready[0].isEmpty { return NetlinkEventBatch() }
        } catch {
            throw NetlinkError(errno: error.rawValue, operation: "poll netlink event socket")
        }
        return try drain()
    }

    /// Reads every queued datagram without blocking.
    private mutating func drain() throws(NetlinkError) -> NetlinkEventBatch {
        var batch = NetlinkEventBatch()
        let descriptor = socket.fileDescriptor
        while true {
            // MSG_TRUNC: the datagram's real length, so a truncated one is noticed.
            let received = buffer.withUnsafeMutableBytes { bytes in
                recv(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC))
            }
            if received < 0 {
                switch Errno.current {
                case .wouldBlock: return batch
                case .interrupted: continue
                case .noBufferSpace: batch.changes.insert(.overrun)  // the kernel dropped events; keep reading the rest
                default: throw NetlinkError.lastSystemError("receive netlink events")
                }
                continue
            }
            if received == 0 { return batch }
            if received > buffer.count { batch.changes.insert(.overrun) }
            parseDatagram(length: min(received, buffer.count), into: &batch)
        }
    }

    /// Walks the netlink headers of one datagram and parses each message.
    private mutating func parseDatagram(length: Int, into batch: inout NetlinkEventBatch) {
        let parser = parser
        buffer.withUnsafeMutableBytes { bytes in
            Self.parseDatagram(UnsafeMutableRawBufferPointer(rebasing: bytes[0..<length]), with: parser, into: &batch)
        }
    }

    /// The walk itself, on any buffer: the monitor's receive buffer, or a fuzzer's bytes (`NetlinkFuzzing`).
    /// The kernel aligns messages to 4 bytes, so `bytes` must start at such an address.
    static func parseDatagram(
        _ bytes: UnsafeMutableRawBufferPointer, with parser: RouteMessageParser, into batch: inout NetlinkEventBatch
    ) {
        guard let base = bytes.baseAddress, bytes.count >= MemoryLayout<nlmsghdr>.size else { return }
        var header = base.assumingMemoryBound(to: nlmsghdr.self)
        var remaining = Int32(clamping: bytes.count)
        // A truncated message fails nlmsg_ok; its header still says what kind of object changed.
        batch.changes.formUnion(Self.kind(of: header.pointee.nlmsg_type))
        while nlmsg_ok(header, remaining) != 0 {
            let type = Int(header.pointee.nlmsg_type)
            batch.changes.formUnion(Self.kind(of: header.pointee.nlmsg_type))
            switch parser.parse(raw: header) {
            case .link(let link): batch.events.append(type == RTM_DELLINK ? .linkRemoved(link) : .linkChanged(link))
            case .address(let address):
                batch.events.append(type == RTM_DELADDR ? .addressRemoved(address) : .addressChanged(address))
            case nil: break
            }
            guard let next = nlmsg_next(header, &remaining) else { break }
            header = next
        }
    }

    private static func kind(of type: UInt16) -> NetlinkChanges {
        switch Int(type) {
        case RTM_NEWLINK, RTM_DELLINK: return .links
        case RTM_NEWADDR, RTM_DELADDR: return .addresses
        case Int(NLMSG_OVERRUN): return .overrun
        default: return []
        }
    }
}
