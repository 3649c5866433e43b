// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

/// A TLS client's key, certificate and CA, as Open vSwitch takes them (`--private-key`, `--certificate`,
/// `--ca-cert`) and keeps them in the local switch's `SSL` row (`ovs-vsctl set-ssl KEY CERT CA`): on an oVirt
/// host, `vdsm-tool ovn-config` puts VDSM's there, and ovn-controller reads them (`--private-key=db:Open_vSwitch,
/// SSL,…`) to reach an `ssl:` southbound database. fabric takes the same files, unless its settings name others.
public struct TLSFiles: Sendable, Hashable {
    public var privateKey: String
    public var certificate: String
    public var caCertificate: String

    public init(privateKey: String, certificate: String, caCertificate: String) {
        self.privateKey = privateKey
        self.certificate = certificate
        self.caCertificate = caCertificate
    }
}

extension OVSDBClient {
    /// The `SSL` row the `Open_vSwitch` row points at, or `nil` when there is none (or it lacks a file).
    public mutating func switchSSLFiles(timeout: Duration? = nil) throws(OVSDBError) -> TLSFiles? {
        let results = try transact(
            database: "Open_vSwitch",
            operations: [
                ["op": "select", "table": "Open_vSwitch", "where": [], "columns": ["ssl"]],
                ["op": "select", "table": "SSL", "where": [], "columns": ["_uuid", "private_key", "certificate", "ca_cert"]],
            ], timeout: timeout)
        guard results.count >= 2, let roots = results[0]["rows"]?.arrayValue, let rows = results[1]["rows"]?.arrayValue
        else { throw .protocolViolation("the SSL selects returned \(results)") }
        guard let reference = roots.first?["ssl"], let uuid = try OVSDBValue(json: reference).uuids().first else { return nil }
        for row in rows {
            guard let rowUUID = row["_uuid"], try OVSDBValue(json: rowUUID).uuids().first == uuid else { continue }
            func file(_ column: String) throws(OVSDBError) -> String? {
                guard let value = row[column] else { return nil }
                return try OVSDBValue(json: value).optionalString().flatMap { $0.isEmpty ? nil : $0 }
            }
            guard let key = try file("private_key"), let certificate = try file("certificate"), let ca = try file("ca_cert")
            else { return nil }
            return TLSFiles(privateKey: key, certificate: certificate, caCertificate: ca)
        }
        return nil
    }
}
