// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// A numeric IPv4 or IPv6 address and a TCP port, as OVS writes remotes (`tcp:192.0.2.1:6642`,
/// `tcp:[2001:db8::1]:6642`), and the one place that fills a `sockaddr_in`/`sockaddr_in6`. Names are not resolved:
/// OVS remotes are addresses, and a resolver would add a wait no deadline covers.
/// `inet_ntop` of a 4-byte (`AF_INET`) or 16-byte (`AF_INET6`) address.
package func ipAddressText(_ bytes: UnsafeRawBufferPointer, family: Int32) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let converted = buffer.withUnsafeMutableBufferPointer { text in
        inet_ntop(family, bytes.baseAddress, text.baseAddress, socklen_t(text.count))
    }
    guard converted != nil else { return nil }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

package struct InetSocketAddress: Hashable, Sendable, CustomStringConvertible {
    package let host: String
    package let port: UInt16
    let isIPv6: Bool

    /// `nil` when `host` is not a numeric IPv4 or IPv6 address.
    package init?(host: String, port: UInt16) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            isIPv6 = false
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            isIPv6 = true
        } else {
            return nil
        }
        self.host = host
        self.port = port
    }

    package var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &address.sin6_addr)
            return try withUnsafePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        _ = inet_pton(AF_INET, host, &address.sin_addr)
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}

extension FileDescriptor {
    /// A new TCP socket for `address`'s family, close-on-exec, optionally non-blocking.
    package static func tcpSocket(for address: InetSocketAddress, nonBlocking: Bool = false) throws(Errno)
        -> FileDescriptor
    {
        var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, type, 0)
        guard fd >= 0 else { throw .current }
        return FileDescriptor(owning: fd)
    }

    /// `connect(2)`; on a non-blocking socket `EINPROGRESS` is thrown for the caller to wait on.
    package func connect(to address: InetSocketAddress) throws(Errno) {
        let result = address.withSocketAddress { Glibc.connect(rawValue, $0, $1) }
        if result != 0 { throw .current }
    }
}
