// SPDX-License-Identifier: Apache-2.0
internal import CNetlink

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#endif

/// What changed in a namespace since the previous ``NetlinkChangeMonitor/waitForChanges(timeout:)``.
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
/// `RTNLGRP_IPV4_IFADDR`, `RTNLGRP_IPV6_IFADDR`) that tells its owner *that* something changed, not what.
///
/// Use it the subscribe-first way, so no change falls between the dump and the subscription:
///
/// ```swift
/// let monitor = try NetlinkChangeMonitor()          // 1. subscribe
/// let socket = try NetlinkSocket()
/// var current = try socket.snapshot()               // 2. dump
/// while running {
///     let changes = try monitor.waitForChanges(timeout: .seconds(5))
///     if !changes.isEmpty { current = try socket.snapshot() }   // 3. re-dump on any change or overrun
/// }
/// ```
///
/// Notifications are read with plain `recv` rather than `nl_recvmsgs`, because libnl reports the
/// kernel's `ENOBUFS` (lost events) as `NLE_NOMEM`, indistinguishable from a failed allocation.
/// Like ``NetlinkSocket``, a monitor belongs to one owner and is not `Sendable`.
public struct NetlinkChangeMonitor: ~Copyable {
    private let socket: NetlinkSocket
    private var buffer: [UInt8]

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
        // Large enough for any link message without VF lists; a longer datagram is truncated, and its
        // first header still says what changed.
        self.buffer = [UInt8](repeating: 0, count: 256 * 1024)
    }

    /// Waits until at least one notification (or an overrun) arrives, then reads everything already
    /// queued and reports what kinds of objects changed.
    ///
    /// - Parameter timeout: the longest wait; `nil` waits indefinitely.
    /// - Returns: the changes, or an empty set when the timeout passed without any.
    /// - Throws: a system-domain ``NetlinkError`` when `poll` or `recv` fails for another reason.
    public mutating func waitForChanges(timeout: Duration?) throws(NetlinkError) -> NetlinkChanges {
        var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds: Int32
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            milliseconds = Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        } else {
            milliseconds = -1
        }
        while true {
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { break }
            if ready == 0 { return [] }
            if errno != EINTR { throw NetlinkError.lastSystemError("poll netlink event socket") }
        }
        return try drain()
    }

    /// Reads every queued datagram without blocking.
    private mutating func drain() throws(NetlinkError) -> NetlinkChanges {
        var changes: NetlinkChanges = []
        let descriptor = socket.fileDescriptor
        while true {
            let received = buffer.withUnsafeMutableBytes { bytes in
                recv(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT))
            }
            if received < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return changes
                case EINTR: continue
                case ENOBUFS: changes.insert(.overrun)  // the kernel dropped events; keep reading the rest
                default: throw NetlinkError.lastSystemError("receive netlink events")
                }
                continue
            }
            if received == 0 { return changes }
            changes.formUnion(Self.changes(in: buffer, length: min(received, buffer.count)))
        }
    }

    /// Walks the netlink headers of one datagram.
    private static func changes(in buffer: [UInt8], length: Int) -> NetlinkChanges {
        var changes: NetlinkChanges = []
        buffer.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            func classify(_ type: UInt16) {
                switch Int(type) {
                case RTM_NEWLINK, RTM_DELLINK: changes.insert(.links)
                case RTM_NEWADDR, RTM_DELADDR: changes.insert(.addresses)
                case Int(NLMSG_OVERRUN): changes.insert(.overrun)
                default: break
                }
            }
            guard length >= MemoryLayout<nlmsghdr>.size else { return }
            var header = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: nlmsghdr.self))
            // The first header counts even when the datagram was truncated and fails nlmsg_ok.
            classify(header.pointee.nlmsg_type)
            var remaining = Int32(length)
            while nlmsg_ok(header, remaining) != 0 {
                classify(header.pointee.nlmsg_type)
                guard let next = nlmsg_next(header, &remaining) else { break }
                header = next
            }
        }
        return changes
    }
}
