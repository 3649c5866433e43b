// SPDX-License-Identifier: Apache-2.0

/// Where ovn-controller reads the OVN southbound database: `Open_vSwitch external_ids:ovn-remote`, one remote or
/// a comma-separated list (ovn-controller picks one; any of them holds the same data).
public enum OVNRemote {
    /// The first remote of `value` that fabric can connect to.
    ///
    /// - Throws: ``OVSDBError`` `.invalidEndpoint` when `value` is empty or no remote is usable. An `ssl:` remote
    ///   is an endpoint with ``OVSDBEndpoint/usesTLS``; its client needs a secure layer.
    public static func endpoint(parsing value: String) throws(OVSDBError) -> OVSDBEndpoint {
        let remotes = value.split(separator: ",").map { trimmed($0) }.filter { !$0.isEmpty }
        guard !remotes.isEmpty else { throw .invalidEndpoint(value, "ovn-remote is empty") }
        var firstError: OVSDBError?
        for remote in remotes {
            do {
                if remote.hasPrefix("tcp:") { return try inetEndpoint(remote, scheme: "tcp:") }
                if remote.hasPrefix("ssl:") { return try inetEndpoint(remote, scheme: "ssl:") }
                return try OVSDBEndpoint(parsing: remote)
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError ?? .invalidEndpoint(value, "no usable remote")
    }
}

/// `tcp:IP:PORT` or `tcp:[IPv6]:PORT` (and the same with `ssl:`); OVS's default southbound port 6642 when the
/// port is left out.
private func inetEndpoint(_ remote: String, scheme: String) throws(OVSDBError) -> OVSDBEndpoint {
    let rest = remote.dropFirst(scheme.count)
    var host: Substring
    var port: Substring?
    if rest.hasPrefix("[") {
        guard let close = rest.firstIndex(of: "]") else { throw .invalidEndpoint(remote, "unterminated [IPv6] address") }
        host = rest[rest.index(after: rest.startIndex)..<close]
        let after = rest[rest.index(after: close)...]
        if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty {
            throw .invalidEndpoint(remote, "expected :PORT after the address")
        }
    } else if let colon = rest.firstIndex(of: ":") {
        host = rest[..<colon]
        port = rest[rest.index(after: colon)...]
    } else {
        host = rest
    }
    guard let number = port.map({ UInt16($0) }) ?? 6642, number > 0 else {
        throw .invalidEndpoint(remote, "the port is not a number from 1 to 65535")
    }
    let made = scheme == "ssl:" ? OVSDBEndpoint.ssl(host: String(host), port: number) : .tcp(host: String(host), port: number)
    guard let endpoint = made else {
        throw .invalidEndpoint(remote, "\(host) is not a numeric IPv4 or IPv6 address")
    }
    return endpoint
}

private func trimmed(_ text: Substring) -> String {
    String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
}
