// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// Where the Open vSwitch database listens. The host's own database is a local unix socket (fabric runs on the
/// hypervisor next to `ovsdb-server`, and SSL would need credentials a hook must not hold); plain TCP exists for
/// OVN's southbound database, which ovn-controller often reaches as `tcp:IP:PORT` (``tcp(host:port:)``).
public struct OVSDBEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The unix socket; empty for a TCP endpoint.
    public var socketPath: String
    /// Set for a TCP endpoint. Plain values: FabricPOSIX is an internal import, so none of its types is stored in
    /// this public struct.
    private(set) var tcpHost: String?
    private(set) var tcpPort: UInt16 = 0
    /// An `ssl:` endpoint: TCP with TLS on top (the client needs an ``OVSDBSecureLayerFactory``).
    public private(set) var usesTLS = false

    /// The TCP address, for a TCP endpoint.
    var tcpAddress: InetSocketAddress? { tcpHost.flatMap { InetSocketAddress(host: $0, port: tcpPort) } }

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// A TCP endpoint; `nil` when `host` is not a numeric IPv4 or IPv6 address (names are not resolved).
    public static func tcp(host: String, port: UInt16) -> OVSDBEndpoint? {
        guard InetSocketAddress(host: host, port: port) != nil else { return nil }
        var endpoint = OVSDBEndpoint(socketPath: "")
        endpoint.tcpHost = host
        endpoint.tcpPort = port
        return endpoint
    }

    /// An `ssl:` endpoint: ``tcp(host:port:)`` with TLS; `nil` for a host that is not a numeric address.
    public static func ssl(host: String, port: UInt16) -> OVSDBEndpoint? {
        guard var endpoint = tcp(host: host, port: port) else { return nil }
        endpoint.usesTLS = true
        return endpoint
    }

    /// Parses an OVS remote such as `unix:/run/openvswitch/db.sock`.
    ///
    /// - Throws: ``OVSDBError`` of kind `.invalidEndpoint` naming the value for `tcp:`, `ssl:`,
    ///   `punix:` or anything else that is not `unix:` followed by a path.
    public init(parsing value: String) throws(OVSDBError) {
        guard value.hasPrefix("unix:") else {
            if let colon = value.firstIndex(of: ":"), !value[..<colon].isEmpty,
                value[..<colon].allSatisfy({ $0.isLetter })
            {
                throw .invalidEndpoint(value, "only unix:PATH is supported, not \(value[..<colon]):")
            }
            throw .invalidEndpoint(value, "expected unix:PATH")
        }
        let path = String(value.dropFirst("unix:".count))
        guard !path.isEmpty else { throw .invalidEndpoint(value, "the socket path is empty") }
        guard !path.utf8.contains(0) else { throw .invalidEndpoint(value, "the socket path contains a NUL byte") }
        guard path.utf8.count <= UnixSocketAddress.maximumPathBytes else {
            throw .invalidEndpoint(value, "the socket path is longer than \(UnixSocketAddress.maximumPathBytes) bytes")
        }
        self.socketPath = path
    }

    /// The system's database socket: `$OVS_RUNDIR/db.sock` when `OVS_RUNDIR` is set and not empty
    /// (as OVS's own tools do), else `/run/openvswitch/db.sock`.
    public static func fromEnvironment(_ environment: [String: String]? = nil) -> OVSDBEndpoint {
        let runDirectory: String?
        if let environment {
            runDirectory = environment["OVS_RUNDIR"]
        } else {
            runDirectory = HostSystem.environmentVariable("OVS_RUNDIR")
        }
        if let runDirectory, !runDirectory.isEmpty {
            let trimmed = runDirectory.hasSuffix("/") && runDirectory.count > 1 ? String(runDirectory.dropLast()) : runDirectory
            return OVSDBEndpoint(socketPath: trimmed + "/db.sock")
        }
        return OVSDBEndpoint(socketPath: "/run/openvswitch/db.sock")
    }

    public var description: String {
        if let tcpAddress { return (usesTLS ? "ssl:" : "tcp:") + "\(tcpAddress)" }
        return "unix:\(socketPath)"
    }
}
