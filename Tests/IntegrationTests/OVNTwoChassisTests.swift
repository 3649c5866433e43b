// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// OVN for real: ovn-northd with its databases and two chassis, each in a namespace with its own switch and
/// ovn-controller, tunnelling Geneve over a veth pair. The agent's model of chassis A (through the same
/// ``HostTableModel`` the agent runs) must show the tunnel to B, the vNIC's logical switch as its Network Name,
/// and ovn-controller's connection to the southbound database as it goes and comes back.
@Suite(.serialized, .enabled(if: OVNSandbox.unavailableReason == nil, Comment(rawValue: OVNSandbox.unavailableReason ?? "")))
struct OVNTwoChassisTests {
    /// How long ovn-controller may take to notice that the southbound server is gone (it sees the unix socket
    /// close at once; this leaves room for a loaded 2-core machine).
    static let disconnectBound: Duration = .seconds(5)
    /// ovn-controller reconnects with a backoff of up to 8 s by default.
    static let reconnectBound: Duration = .seconds(20)

    /// Polls `condition` every 50 ms until it holds; returns how long that took, or `nil` after `limit`.
    static func waitUntil(_ limit: Duration, _ condition: () throws -> Bool) rethrows -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if try condition() { return ContinuousClock.now - start }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    static func switchState(_ chassis: OVNSandbox.Chassis) throws -> SwitchState {
        var client = try OVSDBClient(endpoint: OVSDBEndpoint(socketPath: chassis.switchSocket))
        return try client.switchState()
    }

    static func model(_ chassis: OVNSandbox.Chassis, observation: OVNObservation) throws -> HostTableModel {
        var model = HostTableModel(
            builder: HostTableBuilder(files: HostFiles(root: "/nonexistent-fabric-root")),
            ovsdbEndpoint: chassis.switchRemote)
        let socket = try NetlinkSocket(networkNamespace: "/run/netns/" + chassis.namespace)
        _ = model.linksChanged(HostTableBuilder.Sample(snapshot: try socket.snapshot()))
        _ = model.switchChanged(
            try switchState(chassis), status: HostTable.OVSDBStatus(endpoint: chassis.switchRemote, reachable: true))
        _ = model.ovnChanged(observation)
        return model
    }

    @Test(.timeLimit(.minutes(2))) func tunnelsVNICsAndControllerHealth() throws {
        let sandbox = try OVNSandbox(chassisCount: 2)
        defer { sandbox.stop() }
        let a = sandbox.chassis[0]
        let b = sandbox.chassis[1]
        let network = "net-blue"
        let port = "lsp-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let vnic = OVSSandbox.uniqueName("ovnv")
        try sandbox.nbctl("ls-add", network)
        try sandbox.nbctl("lsp-add", network, port)
        try sandbox.nbctl("lsp-set-addresses", port, "00:00:00:00:00:01 10.0.0.1")
        try a.vsctl([
            "add-port", "br-int", vnic, "--", "set", "Interface", vnic, "type=internal",
            "external_ids:iface-id=\(port)",
        ])

        var observer = OVNObserver(switchEndpoint: OVSDBEndpoint(socketPath: a.switchSocket), runDirectory: a.directory)
        var view: OVNHostView?
        let settled = try Self.waitUntil(.seconds(30)) {
            let observation = observer.observe()
            view = OVNHostView(switchState: try Self.switchState(a), observation: observation)
            guard let view else { return false }
            return view.controller?.connected == true && view.tunnels.contains { $0.peerChassis == b.name }
                && view.vnics.contains { $0.portID == port && $0.boundChassis == a.name }
        }
        let found = try #require(view)
        print("OVN: chassis A saw B's tunnel and bound its port after \(settled.map { "\($0)" } ?? "never"); tunnels: \(found.tunnels)")
        #expect(settled != nil, "chassis A did not see B's tunnel and bind its port within 30 s: \(found)")

        #expect(found.chassis == a.name)
        #expect(found.encaps == [OVNSouthbound.Encap(type: "geneve", ip: a.encapIP)])
        #expect(found.controller?.running == true)
        #expect(found.controller?.pid == a.controllerPID)
        let tunnel = try #require(found.tunnels.first { $0.peerChassis == b.name })
        #expect(tunnel.type == "geneve")
        #expect(tunnel.remoteIP == b.encapIP)
        #expect(tunnel.peerHostname == b.hostname)
        #expect(tunnel.interface.hasPrefix("ovn-"))
        // ovs-vswitchd finds a route to the peer over the veth pair (userspace tunnels route by the namespace).
        #expect(tunnel.linkState == "up")
        let vnicView = try #require(found.vnics.first { $0.portID == port })
        #expect(vnicView.interface == vnic)
        #expect(vnicView.logicalSwitch == network)
        #expect(vnicView.networkName == network)

        // The same southbound database over TCP, as a host whose ovn-remote is tcp:IP:PORT reads it.
        var tcpClient = try OVSDBClient(endpoint: try OVNRemote.endpoint(parsing: sandbox.southboundTCPRemote))
        let overTCP = try tcpClient.southbound()
        #expect(Set(overTCP.chassis.map(\.name)) == [a.name, b.name])
        #expect(overTCP.portBindings[port]?.chassis == a.name)
        #expect(overTCP.portBindings[port]?.datapath?.name == network)

        // The agent's model: the vNIC's row is named by its logical network, and the network lists it.
        let model = try Self.model(a, observation: observer.observe())
        let row = try #require(model.table?.interfaces.first { $0.name == vnic })
        #expect(row.classification.fabric == .ovn)
        #expect(row.classification.networkName == network)
        let networks = try #require(model.networks)
        #expect(networks.network(named: network)?.interfaces.map(\.name) == [vnic])
        #expect(networks.ovn?.tunnels.contains { $0.peerChassis == b.name && $0.remoteIP == b.encapIP } == true)

        // The southbound server goes away: ovn-controller says so, and the model stops naming the vNIC's network.
        // Timed from before the stop: the kill waits for the server to exit, and ovn-controller may notice meanwhile.
        let stopping = ContinuousClock.now
        sandbox.stopSouthbound()
        let lost = Self.waitUntil(Self.disconnectBound) {
            OVNControllerStatus.read(runDirectory: a.directory).connected == false
        }.map { _ in ContinuousClock.now - stopping }
        #expect(lost != nil, "ovn-controller still connected \(Self.disconnectBound) after the southbound server stopped")
        print("OVN: ovn-controller reported disconnected \(lost.map { "\($0)" } ?? "never") after the southbound server stopped")
        let offline = observer.observe()
        #expect(offline.southbound == nil)
        #expect(offline.southboundError != nil)
        let offlineModel = try Self.model(a, observation: offline)
        #expect(offlineModel.networks?.ovn?.southboundUnknown != nil)
        #expect(offlineModel.networks?.ovn?.controller?.connected == false)
        let offlineRow = try #require(offlineModel.table?.interfaces.first { $0.name == vnic })
        #expect(offlineRow.classification.networkName == nil)

        let starting = ContinuousClock.now
        try sandbox.startSouthbound()
        let back = Self.waitUntil(Self.reconnectBound) {
            OVNControllerStatus.read(runDirectory: a.directory).connected == true
        }.map { _ in ContinuousClock.now - starting }
        #expect(back != nil, "ovn-controller not connected \(Self.reconnectBound) after the southbound server restarted")
        print("OVN: ovn-controller reported connected \(back.map { "\($0)" } ?? "never") after the southbound server restarted")
    }
}
