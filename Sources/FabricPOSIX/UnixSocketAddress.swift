// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// A socket path that fits a `sockaddr_un`, and the one place that fills one. A path starting with `@` names a
/// socket in the abstract namespace (as systemd writes `NOTIFY_SOCKET`): a leading NUL and no terminator.
package struct UnixSocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// `sun_path` holds 108 bytes including the terminating NUL.
    package static let maximumPathBytes = 107

    package enum Invalid: Error, Hashable, Sendable {
        case empty
        case containsNUL
        case tooLong(bytes: Int)
    }

    package let path: String

    package init(path: String) throws(Invalid) {
        let bytes = path.utf8.count
        guard bytes > 0 else { throw .empty }
        guard !path.utf8.contains(0) else { throw .containsNUL }
        guard bytes <= Self.maximumPathBytes else { throw .tooLong(bytes: bytes) }
        self.path = path
    }

    package var description: String { path }

    package var isAbstract: Bool { path.hasPrefix("@") }

    /// Lends `body` the address as the C socket calls take it.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if isAbstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        // An abstract name is exactly its bytes; a path is NUL-terminated (the zeroed rest of sun_path).
        let length = isAbstract
            ? socklen_t(MemoryLayout<sa_family_t>.size + bytes.count) : socklen_t(MemoryLayout<sockaddr_un>.size)
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}

extension FileDescriptor {
    /// A new `AF_UNIX` socket of `type` (`SOCK_STREAM`, `SOCK_DGRAM`), close-on-exec, optionally non-blocking.
    package static func unixSocket(datagram: Bool = false, nonBlocking: Bool = false) throws(Errno) -> FileDescriptor {
        var type = datagram ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        type |= Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw .current }
        return FileDescriptor(owning: fd)
    }

    /// `connect(2)`; on a non-blocking socket `EINPROGRESS` is thrown for the caller to wait on.
    package func connect(to address: UnixSocketAddress) throws(Errno) {
        let result = address.withSocketAddress { Glibc.connect(rawValue, $0, $1) }
        if result != 0 { throw .current }
    }

    /// One datagram to `address` (`sendto(2)` with `MSG_NOSIGNAL`).
    package func send(datagram bytes: [UInt8], to address: UnixSocketAddress) throws(Errno) {
        try retryingInterrupted {
            address.withSocketAddress { socketAddress, length in
                bytes.withUnsafeBytes { sendto(rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
    }
}
