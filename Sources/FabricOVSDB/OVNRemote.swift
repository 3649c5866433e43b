// SPDX-License-Identifier: Apache-2.0

/// Where ovn-controller reads the OVN southbound database: `Open_vSwitch external_ids:ovn-remote`, one remote or
/// a comma-separated list (ovn-controller picks one; any of them holds the same data).
public enum OVNRemote {
    /// The first remote of `value` that fabric can connect to.
    ///
    /// - Throws: ``OVSDBError`` `.invalidEndpoint` when `value` is empty or no remote is usable; `tcp:` and
    ///   `ssl:` remotes are named as not supported yet (the client speaks only unix sockets so far).
    public static func endpoint(parsing value: String) throws(OVSDBError) -> OVSDBEndpoint {
        let remotes = value.split(separator: ",").map { trimmed($0) }.filter { !$0.isEmpty }
        guard !remotes.isEmpty else { throw .invalidEndpoint(value, "ovn-remote is empty") }
        var firstError: OVSDBError?
        for remote in remotes {
            do {
                return try OVSDBEndpoint(parsing: remote)
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let unsupported = remotes.first(where: { $0.hasPrefix("tcp:") || $0.hasPrefix("ssl:") }) {
            let scheme = unsupported.prefix { $0 != ":" }
            throw OVSDBError(
                kind: .invalidEndpoint,
                description: "OVN southbound remote \"\(unsupported)\": \(scheme): remotes are not supported yet "
                    + "(only unix:PATH)")
        }
        throw firstError ?? .invalidEndpoint(value, "no usable remote")
    }
}

private func trimmed(_ text: Substring) -> String {
    String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
}
