// SPDX-License-Identifier: Apache-2.0
internal import CNetlink
internal import FabricPOSIX
internal import CNetlinkShims

/// A libnl socket connected to `NETLINK_ROUTE`, owned exclusively by this value and freed in `deinit`.
///
/// A socket serves one owner at a time (libnl sockets are not thread-safe), hence `~Copyable` and not
/// `Sendable`: create it where it is used, for example inside the service or actor that polls it.
///
/// A netlink socket stays bound to the network namespace it was created in, whatever namespace the
/// thread that later uses it is in. ``init(networkNamespace:)`` relies on that.
public struct NetlinkSocket: ~Copyable {
    /// The `nl_sock *`, +1, released with `nl_socket_free` in `deinit`.
    let handle: OpaquePointer

    /// Receive buffer requested for every socket. libnl's default is 32 KiB, which a dump of a few
    /// thousand links or a burst of events overruns (`ENOBUFS`).
    public static let receiveBufferSize: Int32 = 1 << 20

    /// How often ``snapshot()`` repeats a dump the kernel flagged `NLM_F_DUMP_INTR` before giving up with
    /// ``NetlinkError/dumpInterrupted``.
    public static let maximumDumpAttempts = 8

    /// Opens a socket in the calling thread's current network namespace.
    /// - Throws: ``NetlinkError`` when the socket cannot be allocated or connected.
    public init() throws(NetlinkError) {
        handle = try Self.openConnectedSocket()
    }

    /// Opens a socket inside another network namespace, such as `/run/netns/<name>` (what `ip netns add`
    /// creates) or `/proc/<pid>/ns/net`.
    ///
    /// The namespace is entered by a short-lived dedicated thread: it opens `path`, calls
    /// `setns(fd, CLONE_NEWNET)`, creates and connects the socket, and exits. A netlink socket remains
    /// bound to the namespace it was created in, so the returned socket talks to `path`'s namespace from
    /// any thread, while the caller's threads (and the Swift concurrency pool) never change namespace.
    /// Only the network namespace is entered: sysfs and `/proc/net` as seen by the caller still show the
    /// caller's namespace.
    ///
    /// - Parameter path: a network namespace file.
    /// - Throws: ``NetlinkError`` in the system domain when `path` cannot be opened (`ENOENT` for a
    ///   missing namespace) or is not a network namespace (`EINVAL`), or when the process lacks
    ///   `CAP_SYS_ADMIN` (`EPERM`); a netlink-domain error when the socket cannot be connected.
    public init(networkNamespace path: String) throws(NetlinkError) {
        let request = NamespaceSocketRequest(path: path)
        do throws(Errno) {
            try WorkerThread.runAndWait { enterNamespaceAndOpenSocket(request) }
        } catch {
            throw NetlinkError(errno: error.rawValue, operation: "pthread_create for network namespace \(path)")
        }
        switch request.result {
        case .success(let socket)?: handle = socket.pointer
        case .failure(let error)?: throw error
        case nil: throw NetlinkError.failure.during("open socket in network namespace \(path)")
        }
    }

    deinit {
        nl_socket_free(handle)
    }

    /// The socket's file descriptor, borrowed (closed by `nl_socket_free`).
    var fileDescriptor: Int32 { nl_socket_get_fd(handle) }

    /// Allocates an `nl_sock`, connects it to `NETLINK_ROUTE` in the calling thread's namespace and
    /// enlarges its receive buffer. Returns a +1 pointer the caller must `nl_socket_free`.
    static func openConnectedSocket() throws(NetlinkError) -> OpaquePointer {
        guard let socket = nl_socket_alloc() else {
            throw NetlinkError.noMemory.during("nl_socket_alloc")
        }
        do {
            try NetlinkError.check(nl_connect(socket, NETLINK_ROUTE), "connect NETLINK_ROUTE")
            try NetlinkError.check(
                nl_socket_set_buffer_size(socket, receiveBufferSize, 0), "set netlink receive buffer size")
        } catch {
            nl_socket_free(socket)
            throw error
        }
        // SO_RCVBUF is capped by net.core.rmem_max; as root, SO_RCVBUFFORCE gets the full size. Failing
        // (no CAP_NET_ADMIN) is fine: the capped SO_RCVBUF above stays in effect.
        var size = receiveBufferSize
        _ = setsockopt(
            nl_socket_get_fd(socket), SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        return socket
    }
}

/// Moves a socket pointer between the namespace thread and the caller. The pointer is owned by exactly
/// one side at a time: the thread hands it over before exiting.
private struct TransferredSocket: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The state shared with the namespace thread; the caller reads `result` only after that thread ended.
private final class NamespaceSocketRequest {
    let path: String
    var result: Result<TransferredSocket, NetlinkError>?

    init(path: String) {
        self.path = path
    }
}

/// Body of the short-lived namespace thread. It must never return to a pool in the other namespace:
/// it is a plain pthread that exits right after.
private func enterNamespaceAndOpenSocket(_ request: NamespaceSocketRequest) {
    let namespace: FileDescriptor
    do throws(Errno) {
        namespace = try FileDescriptor(opening: request.path, flags: FileDescriptor.readOnly)
    } catch {
        request.result = .failure(NetlinkError(errno: error.rawValue, operation: "open network namespace \(request.path)"))
        return
    }
    let entered = CNetlinkShims_enter_network_namespace(namespace.rawValue)
    let setnsError = Errno.current
    guard entered == 0 else {
        request.result = .failure(NetlinkError(errno: setnsError.rawValue, operation: "setns \(request.path)"))
        return
    }
    do {
        request.result = .success(TransferredSocket(pointer: try NetlinkSocket.openConnectedSocket()))
    } catch {
        request.result = .failure(error)
    }
}
