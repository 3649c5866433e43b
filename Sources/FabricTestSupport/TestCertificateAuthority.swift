// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A throwaway CA made with `openssl` in a temporary folder, and certificates it signs: the shape of `ovs-pki`'s
/// (a CA, then a key and certificate per peer), for TLS tests against real servers (`openssl s_server`,
/// `ovsdb-server --remote=pssl:`). ``remove()`` (or deinit) deletes the folder.
public final class TestCertificateAuthority {
    public let directory: String
    public var certificate: String { directory + "/ca-cert.pem" }

    public init(name: String = "fabric-test-ca") throws {
        directory = NSTemporaryDirectory() + "fabric-ca-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try ProcessRunner.checkedOutput("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=\(name)",
            "-keyout", directory + "/ca-key.pem", "-out", certificate,
        ])
    }

    /// A key and a certificate signed by this CA for `name`: `(privateKey, certificate)` paths.
    public func issue(_ name: String) throws -> (privateKey: String, certificate: String) {
        let key = directory + "/\(name)-key.pem", request = directory + "/\(name)-req.pem"
        let signed = directory + "/\(name)-cert.pem"
        try ProcessRunner.checkedOutput("openssl", [
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name)", "-keyout", key, "-out", request,
        ])
        try ProcessRunner.checkedOutput("openssl", [
            "x509", "-req", "-in", request, "-CA", certificate, "-CAkey", directory + "/ca-key.pem", "-CAcreateserial",
            "-days", "1", "-out", signed,
        ])
        return (key, signed)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }
    deinit { remove() }
}
