// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The agent on an OVN chassis (an ``OVNSandbox`` with one chassis; the agent runs in its namespace): the
/// vNIC's row is named by its logical switch, `/v1/networks` carries the chassis' view, and ovn-controller losing
/// the southbound database (and finding it again) is published on `/v1/events` and served.
@Suite(.serialized) struct AgentOVNTests {
    static let available = AgentTestGate.canRunInNamespace && OVNSandbox.unavailableReason == nil
    static let reason = Comment(rawValue: OVNSandbox.unavailableReason ?? "\(AgentTestGate.namespaceReason)")

    @Test(.enabled(if: available, reason), .timeLimit(.minutes(2)))
    func controllerHealthIsPublishedAndVNICsAreNamed() throws {
        let sandbox = try OVNSandbox(chassisCount: 1)
        defer { sandbox.stop() }
        let chassis = sandbox.chassis[0]
        let port = "lsp-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let vnic = OVSSandbox.uniqueName("ovna")
        try sandbox.nbctl("ls-add", "net-green")
        try sandbox.nbctl("lsp-add", "net-green", port)
        try chassis.vsctl([
            "add-port", "br-int", vnic, "--", "set", "Interface", vnic, "type=internal", "external_ids:iface-id=\(port)",
        ])
        let socketFolder = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: socketFolder) }
        let agent = try AgentProcess(
            namespace: chassis.namespace,
            arguments: ["--listen", "unix:\(socketFolder)/a.sock", "--ovsdb", chassis.switchRemote, "--ovsdb-max-backoff", "1"],
            environment: ["OVN_RUNDIR": chassis.directory])
        defer { agent.stop() }

        func ovn() throws -> [String: Any] { try agent.json("/v1/networks")["ovn"] as? [String: Any] ?? [:] }
        func connected() throws -> Bool? { (try ovn()["controller"] as? [String: Any])?["connected"] as? Bool }
        /// `nil` also while the vNIC's tap is not in the table yet (ovs-vswitchd makes it asynchronously).
        func networkName() -> String? {
            ((try? agent.json("/v1/interfaces/\(vnic)"))?["classification"] as? [String: Any])?["networkName"] as? String
        }
        func rowPresent() -> Bool { (try? agent.curl("/v1/interfaces/\(vnic)").status) == 200 }

        #expect(try AgentProcess.eventually(seconds: 20) { try connected() == true })
        #expect(AgentProcess.eventually(seconds: 20) { networkName() == "net-green" })
        let view = try ovn()
        #expect(view["chassis"] as? String == chassis.name)
        let vnics = view["vnics"] as? [[String: Any]] ?? []
        #expect(vnics.first { $0["portID"] as? String == port }?["logicalSwitch"] as? String == "net-green")
        let carried = try agent.json("/v1/networks/net-green")
        #expect(carried["fabric"] as? String == "ovn")
        #expect((carried["interfaces"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [vnic])

        let events = try EventStream(agent: agent)
        #expect(AgentProcess.eventually { !events.events().isEmpty })
        let before = events.events().compactMap(\.id).max() ?? 0
        let stopping = ContinuousClock.now
        sandbox.stopSouthbound()
        // ovn-controller notices at once; the agent polls every 2 s.
        #expect(try AgentProcess.eventually(seconds: 8) { try connected() == false })
        // The same, among the provider's daemons and in the metrics the fleet's alert reads.
        let daemons = try agent.json("/v1/networks")["agents"] as? [[String: Any]] ?? []
        let controller = daemons.first { $0["name"] as? String == "ovn-controller" }
        #expect(controller?["running"] as? Bool == true && controller?["connected"] as? Bool == false, "\(daemons)")
        #expect(try agent.curl("/metrics").body.contains("\nfabric_ovn_controller_connected 0.0\n"))
        print("OVN agent: /v1/networks said disconnected \(ContinuousClock.now - stopping) after the southbound server stopped")
        #expect(AgentProcess.eventually { (events.events().compactMap(\.id).max() ?? 0) > before },
                "no new version on /v1/events after ovn-controller lost the southbound database")
        #expect((try ovn()["southboundUnknown"] as? String) != nil)
        #expect(rowPresent())
        #expect(networkName() == nil, "the vNIC's network is unknown without the southbound database")

        try sandbox.startSouthbound()
        #expect(try AgentProcess.eventually(seconds: 25) { try connected() == true })
        #expect(try agent.curl("/metrics").body.contains("\nfabric_ovn_controller_connected 1.0\n"))
        #expect(AgentProcess.eventually(seconds: 15) { networkName() == "net-green" })

        // A vNIC plugged later is named from the switch's monitor updates (OVN's lookups read no switch of their
        // own): its logical port's binding is read after the switch says the port is here.
        let laterPort = port + "-2"
        let laterVNIC = OVSSandbox.uniqueName("ovnb")
        try sandbox.nbctl("lsp-add", "net-green", laterPort)
        let plugged = ContinuousClock.now
        try chassis.vsctl([
            "add-port", "br-int", laterVNIC, "--", "set", "Interface", laterVNIC, "type=internal",
            "external_ids:iface-id=\(laterPort)",
        ])
        func laterName() -> String? {
            ((try? agent.json("/v1/interfaces/\(laterVNIC)"))?["classification"] as? [String: Any])?["networkName"] as? String
        }
        #expect(AgentProcess.eventually(seconds: 15) { laterName() == "net-green" })
        print("OVN agent: a vNIC plugged while running was named \(ContinuousClock.now - plugged) after ovs-vsctl add-port")
        #expect(agent.stop() == 0)
    }
}
