// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// `fabric-agent show` against a real Open vSwitch (userspace datapath, private daemons): a Neutron
/// OVS agent layout — integration, tunnel and mapped bridges, a physical-like port, vNIC ports with
/// external_ids — classified row by row.
@Suite(.serialized) struct AgentOVSClassificationTests {
    static let agentPath = BuiltProducts.path("fabric-agent")
    static let available = OVSSandbox.isAvailable && agentPath != nil && NetworkNamespaceFixture.isSupported
    static let reason = Comment(rawValue: OVSSandbox.unavailableReason ?? "needs root, iproute2 and a built fabric-agent")

    struct Layout {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var integration: String { "fi" + tag }
        var tunnel: String { "ft" + tag }
        var mapped: String { "fp" + tag }
        var physical: String { "fe" + tag }
        var physicalPeer: String { "fq" + tag }
        var vnic: String { "tv" + tag }
        var otherVNIC: String { "tw" + tag }
        var stray: String { "fs" + tag }
        let port = "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f"
        let network = "5d1e7c8a-0000-4000-8000-000000000001"
    }

    func build(_ sandbox: OVSSandbox, _ l: Layout, ovnRemote: String? = nil) throws {
        try ProcessRunner.checkedOutput("ip", ["link", "add", l.physical, "type", "veth", "peer", "name", l.physicalPeer])
        try ProcessRunner.checkedOutput("ip", ["link", "set", l.physical, "up"])
        var args = [
            "--", "add-br", l.integration, "--", "set", "Bridge", l.integration, "datapath_type=netdev",
            "--", "add-br", l.tunnel, "--", "set", "Bridge", l.tunnel, "datapath_type=netdev",
            "--", "add-br", l.mapped, "--", "set", "Bridge", l.mapped, "datapath_type=netdev",
            "--", "add-br", l.stray, "--", "set", "Bridge", l.stray, "datapath_type=netdev",
            "--", "add-port", l.mapped, l.physical,
            "--", "add-port", l.integration, "int-" + l.mapped, "--", "set", "Interface", "int-" + l.mapped,
            "type=patch", "options:peer=phy-" + l.mapped,
            "--", "add-port", l.mapped, "phy-" + l.mapped, "--", "set", "Interface", "phy-" + l.mapped,
            "type=patch", "options:peer=int-" + l.mapped,
            "--", "add-port", l.integration, l.vnic, "--", "set", "Interface", l.vnic, "type=internal",
            "external_ids:iface-id=\(l.port)", "external_ids:attached-mac=56:6f:1a:2b:00:07",
            "external_ids:iface-status=active", "external_ids:vm-id=c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d",
            "--", "set", "Port", l.vnic, "other_config:net_uuid=\(l.network)", "other_config:segmentation_id=300",
            "--", "add-port", l.integration, l.otherVNIC, "--", "set", "Interface", l.otherVNIC, "type=internal",
        ]
        if let ovnRemote { args += ["--", "set", "Open_vSwitch", ".", "external_ids:ovn-remote=\(ovnRemote)"] }
        _ = try sandbox.vsctl(args, wait: true)
    }

    func show(_ sandbox: OVSSandbox, _ l: Layout) throws -> [String: [String: Any]] {
        let ini = NSTemporaryDirectory() + "fabric-ovs-agent-\(l.tag).ini"
        try """
            [ovs]
            integration_bridge = \(l.integration)
            tunnel_bridge = \(l.tunnel)
            bridge_mappings = physnet1:\(l.mapped)
            """.write(toFile: ini, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: ini) }
        let result = try ProcessRunner.run(Self.agentPath!, [
            "show", "--json", "--no-rates", "--ovsdb", sandbox.remote, "--neutron-ovs-agent-config", ini,
            "--neutron-linuxbridge-agent-config", "/nonexistent",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let table = try #require(try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any])
        #expect(IPJSON.value(table, "sources", "ovsdb", "reachable") as? Bool == true)
        let rows = try #require(table["interfaces"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
    }

    func cleanUp(_ sandbox: OVSSandbox, _ l: Layout) {
        sandbox.stop()
        _ = try? ProcessRunner.run("ip", ["link", "del", l.physical])
    }

    @Test(.enabled(if: available, reason))
    func aNeutronOVSAgentLayoutIsClassifiedRowByRow() throws {
        let sandbox = try OVSSandbox()
        let l = Layout()
        defer { cleanUp(sandbox, l) }
        try build(sandbox, l)
        try sandbox.waitForSwitch()
        let rows = try show(sandbox, l)
        func check(_ name: String, _ fabric: String, _ network: String?, kind: String? = nil, line: Int = #line) {
            let row = rows[name]
            #expect(row != nil, "\(name) is in the table")
            #expect(IPJSON.value(row ?? [:], "classification", "fabric") as? String == fabric, "\(name)")
            #expect(IPJSON.value(row ?? [:], "classification", "networkName") as? String == network, "\(name)")
            if let kind { #expect(row?["kind"] as? String == kind, "\(name)") }
        }
        // With the userspace datapath bridges and internal ports are plain tun devices to the kernel.
        check(l.integration, "openvswitch", nil, kind: "ovs-internal")
        check(l.tunnel, "openvswitch", nil, kind: "ovs-internal")
        check(l.mapped, "openvswitch", "physnet1", kind: "ovs-internal")
        check(l.physical, "openvswitch", "physnet1", kind: "veth")
        check(l.vnic, "openvswitch", l.network, kind: "ovs-internal")
        check(l.otherVNIC, "openvswitch", nil, kind: "ovs-internal")
        check(l.stray, "unclassified", nil, kind: "ovs-internal")
        check(l.physicalPeer, "unclassified", nil)
        let vnic = try #require(rows[l.vnic])
        #expect(IPJSON.value(vnic, "ovs", "bridge") as? String == l.integration)
        #expect(IPJSON.value(vnic, "ovs", "externalIDs", "iface-id") as? String == l.port)
        #expect(IPJSON.value(vnic, "ovs", "portOtherConfig", "segmentation_id") as? String == "300")
        #expect(IPJSON.value(rows[l.physical] ?? [:], "ovs", "bridge") as? String == l.mapped)
    }

    @Test(.enabled(if: available, reason))
    func anOVNControlledSwitchIsOVN() throws {
        let sandbox = try OVSSandbox()
        let l = Layout()
        defer { cleanUp(sandbox, l) }
        try build(sandbox, l, ovnRemote: "ssl:127.0.0.1:6642")
        try sandbox.waitForSwitch()
        let rows = try show(sandbox, l)
        for name in [l.integration, l.mapped, l.physical, l.vnic] {
            #expect(IPJSON.value(rows[name] ?? [:], "classification", "fabric") as? String == "ovn", "\(name)")
        }
    }

    /// OpenSSL is loaded on the first `ssl:` connection (COpenSSL), not at start. A libssl without the functions
    /// fabric calls — here libz under libssl's name, found first through LD_LIBRARY_PATH — still gives the
    /// table and the networks, with the southbound's error naming the missing function.
    @Test(.enabled(if: available, reason))
    func anOpenSSLWithoutItsFunctionsIsNamedAndShowStillAnswers() throws {
        // The southbound remote accepts TCP through the listen backlog, so the TLS session is the next step.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(bound)
        let port = UInt16(bigEndian: address.sin_port)

        let directory = NSTemporaryDirectory() + "fabric-nossl-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The library's bytes, not a copy of the distribution's symbolic link to it.
        let libz = try #require(
            ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib64/libz.so.1"].first { FileManager.default.fileExists(atPath: $0) })
        try Data(contentsOf: URL(fileURLWithPath: libz)).write(to: URL(fileURLWithPath: directory + "/libssl.so.3"))
        for file in ["key.pem", "cert.pem", "ca.pem"] {
            try "not read: loading OpenSSL fails first\n".write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
        }

        let sandbox = try OVSSandbox()
        let l = Layout()
        defer { cleanUp(sandbox, l) }
        try build(sandbox, l, ovnRemote: "ssl:127.0.0.1:\(port)")
        try sandbox.waitForSwitch()
        let result = try ProcessRunner.run("/usr/bin/env", [
            "LD_LIBRARY_PATH=\(directory)", Self.agentPath!, "show", "--networks", "--json", "--ovsdb", sandbox.remote,
            "--ovn-ssl-private-key", directory + "/key.pem", "--ovn-ssl-certificate", directory + "/cert.pem",
            "--ovn-ssl-ca-cert", directory + "/ca.pem",
            "--neutron-ovs-agent-config", "/nonexistent", "--neutron-linuxbridge-agent-config", "/nonexistent",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let output = String(decoding: result.standardOutput, as: UTF8.self)
        #expect(output.contains("cannot load OpenSSL (libssl.so.3): it has no "), "\(output.prefix(4000))")
        #expect(output.contains(l.integration))
    }
}
