// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricOVSDB
import FabricTestSupport
import FabricTLS
import Foundation
import Testing

/// OVN's southbound database over TLS, as on an oVirt host whose `ovn-remote` is `ssl:ENGINE:6642`: a real
/// `ovsdb-server` listening on `pssl:` with a certificate of a test CA and requiring one of it from clients; the
/// switch's `SSL` row names the chassis' key, certificate and CA, which fabric then uses as ovn-controller does.
@Suite(.serialized, .enabled(if: OVNSandbox.unavailableReason == nil, "\(OVNSandbox.unavailableReason ?? "")"))
struct SouthboundOverTLSTests {
    func endpoint(_ sandbox: OVNSandbox) throws -> OVSDBEndpoint {
        try #require(OVSDBEndpoint.ssl(host: "127.0.0.1", port: sandbox.southboundSSLPort))
    }

    /// Connects once the server listens (it starts in the background).
    func connect(_ endpoint: OVSDBEndpoint, _ credentials: TLSFiles?) throws(OVSDBError) -> OVSDBClient {
        var last: OVSDBError?
        for _ in 0..<50 {
            do {
                return try OVSDBClient(
                    endpoint: endpoint, timeout: .seconds(3), secureLayer: credentials.map(OVSDBTLSLayer.factory))
            } catch {
                last = error
                guard error.kind == .unreachable, error.description.contains("refused") else { throw error }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        throw last!
    }

    @Test func theClientReadsTheSouthboundWithTheChassisCertificate() throws {
        let ca = try TestCertificateAuthority()
        let sandbox = try OVNSandbox(chassisCount: 1, southboundTLS: ca)
        defer { sandbox.stop() }
        let (key, certificate) = try ca.issue("chassis")
        var client = try connect(try endpoint(sandbox), TLSFiles(privateKey: key, certificate: certificate, caCertificate: ca.certificate))
        #expect(try client.listDatabases().contains("OVN_Southbound"))
        let southbound = try client.southbound()
        #expect(southbound.chassis.contains { $0.name == sandbox.chassis[0].name }, "\(southbound.chassis)")
        #expect(try endpoint(sandbox).description == "ssl:127.0.0.1:\(sandbox.southboundSSLPort)")
    }

    @Test func withoutCredentialsOrWithAnotherCAItSaysWhy() throws {
        let ca = try TestCertificateAuthority()
        let sandbox = try OVNSandbox(chassisCount: 1, southboundTLS: ca)
        defer { sandbox.stop() }
        _ = try? connect(try endpoint(sandbox), nil)
        let none = try #require(throws: OVSDBError.self) { _ = try OVSDBClient(endpoint: try endpoint(sandbox), timeout: .seconds(3)) }
        #expect(none.description.contains("an ssl: remote needs TLS credentials"), "\(none)")

        let stranger = try TestCertificateAuthority(name: "another-ca")
        let (key, certificate) = try stranger.issue("chassis")
        let refused = try #require(throws: OVSDBError.self) {
            _ = try connect(try endpoint(sandbox), TLSFiles(privateKey: key, certificate: certificate, caCertificate: stranger.certificate))
        }
        #expect(refused.kind == .unreachable)
        #expect(refused.description.contains("the server's certificate is not trusted"), "\(refused)")
    }

    /// The agent's path: the switch says `ovn-remote=ssl:…` and holds the `SSL` row; the observer takes those
    /// files and reads the southbound.
    @Test func theObserverUsesTheSwitchsSSLRowForAnSSLRemote() throws {
        let ca = try TestCertificateAuthority()
        let sandbox = try OVNSandbox(chassisCount: 1, southboundTLS: ca)
        defer { sandbox.stop() }
        let (key, certificate) = try ca.issue("chassis")
        _ = try? connect(try endpoint(sandbox), TLSFiles(privateKey: key, certificate: certificate, caCertificate: ca.certificate))
        let host = try OVSSandbox(startSwitch: false)
        defer { host.stop() }
        try host.vsctl("set", "Open_vSwitch", ".", "external_ids:ovn-remote=\(sandbox.southboundSSLRemote)", "external_ids:system-id=tls-host")
        var observer = OVNObserver(
            switchEndpoint: OVSDBEndpoint(socketPath: host.socketPath), runDirectory: host.directory,
            secureLayer: { OVSDBTLSLayer.factory($0) })

        // No SSL row and no settings: said, not guessed.
        let unset = observer.observe()
        #expect(unset.southbound == nil)
        #expect(unset.southboundError?.contains("the switch has no SSL row") == true, "\(unset.southboundError ?? "")")

        try host.vsctl("set-ssl", key, certificate, ca.certificate)
        observer = OVNObserver(
            switchEndpoint: OVSDBEndpoint(socketPath: host.socketPath), runDirectory: host.directory,
            secureLayer: { OVSDBTLSLayer.factory($0) })
        let read = observer.observe()
        #expect(read.southboundError == nil, "\(read.southboundError ?? "")")
        #expect(read.southbound?.chassis.contains { $0.name == sandbox.chassis[0].name } == true)
        #expect(read.southboundRemote == sandbox.southboundSSLRemote)
    }
}
