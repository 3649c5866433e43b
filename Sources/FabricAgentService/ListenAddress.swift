// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// Where the API listens: `unix:PATH`, `HOST:PORT` or `[IPv6]:PORT` (port 0 picks a free one).
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    public init(parsing text: String) throws(ListenAddressError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/") else { throw ListenAddressError(reason: "'\(text)' needs an absolute path") }
            guard (try? UnixSocketAddress(path: path)) != nil else {
                throw ListenAddressError(reason: "socket path is longer than \(UnixSocketAddress.maximumPathBytes) bytes or holds a NUL byte")
            }
            self = .unix(path: path)
            return
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ListenAddressError(reason: "'\(text)' is not [IPv6]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw ListenAddressError(reason: "'\(text)' is not unix:PATH or HOST:PORT")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ListenAddressError(reason: "'\(text)' has no host") }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ListenAddressError(reason: "'\(portText)' is not a port number 0…65535")
        }
        self = .tcp(host: String(host), port: port)
    }

    /// Whether only this host can connect: a unix socket or a loopback address.
    public var isLocal: Bool {
        switch self {
        case .unix: return true
        case .tcp(let host, _):
            return host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

public struct ListenAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
