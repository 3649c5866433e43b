// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The provider's daemons, tunnels and vNIC ports as a running agent reports them, with real processes: a private
/// ovs-vswitchd (found by its pid file, its version asked over its control socket), a process named
/// `neutron-openvswitch-agent`, a vxlan tunnel with BFD, and a tap that a Linux bridge takes away from OVS. Each
/// change reaches `/v1/networks`, an `event: networks` on `/v1/events?include=networks`, and `/metrics`.
@Suite(.serialized) struct ProviderAgentsTests {
    static let available = geteuid() == 0 && OVSSandbox.isAvailable && AgentProcess.binary != nil

    func agents(_ networks: [String: Any]) -> [String: [String: Any]] {
        let list = networks["agents"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    func metric(_ agent: AgentProcess, _ series: String) throws -> Double? {
        let (_, body) = try agent.curl("/metrics")
        let line = body.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test(.enabled(if: available, "needs root, Open vSwitch and a built fabric-agent"))
    func daemonsTunnelsAndVNICPortsReachNetworksEventsAndMetrics() throws {
        let sandbox = try OVSSandbox()
        defer { sandbox.stop() }
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A stand-in for the Neutron OVS agent: a real process whose name is the agent's.
        let neutronBinary = directory + "/neutron-openvswitch-agent"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: neutronBinary)
        let neutron = try BackgroundProcess(neutronBinary, ["3600"])
        defer { neutron.stop() }
        let ini = directory + "/openvswitch_agent.ini"
        let bridge = OVSSandbox.uniqueName("bpa")
        try "[ovs]\nintegration_bridge = \(bridge)\n".write(toFile: ini, atomically: true, encoding: .utf8)

        // A vNIC tap in the switch, and a tunnel with BFD that no peer answers.
        let tap = OVSSandbox.uniqueName("tpa"), linuxBridge = OVSSandbox.uniqueName("lpa")
        try ProcessRunner.checkedOutput("ip", ["tuntap", "add", "dev", tap, "mode", "tap"])
        defer { _ = try? ProcessRunner.run("ip", ["link", "del", tap]) }
        try ProcessRunner.checkedOutput("ip", ["link", "add", linuxBridge, "type", "bridge"])
        defer { _ = try? ProcessRunner.run("ip", ["link", "del", linuxBridge]) }
        _ = try sandbox.vsctl([
            "add-br", bridge, "--", "set", "Bridge", bridge, "datapath_type=netdev",
            "--", "add-port", bridge, tap, "--", "set", "Interface", tap, "external_ids:iface-id=5e1f0a9c-0000-4000-8000-0000000000aa",
            "external_ids:vm-id=0b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f",
            "--", "add-port", bridge, "vxlan-c000020c", "--", "set", "Interface", "vxlan-c000020c", "type=vxlan",
            "options:remote_ip=192.0.2.12", "options:local_ip=192.0.2.11", "bfd:enable=true",
        ], wait: true)

        let agent = try AgentProcess(arguments: [
            "--listen", "unix:\(directory)/a.sock", "--ovsdb", sandbox.remote, "--neutron-ovs-agent-config", ini,
            "--neutron-linuxbridge-agent-config", "/nonexistent", "--ovsdb-max-backoff", "1",
        ])
        defer { _ = agent.stop() }
        let events = try EventStream(agent: agent, query: "?include=networks")

        // ovs-vswitchd: the sandbox's pid, and the version the daemon itself reports.
        let version = try ProcessRunner.checkedOutput("/usr/sbin/ovs-vswitchd", ["--version"])
        let expectedVersion = String(decoding: version, as: UTF8.self).split(separator: "\n").first?.split(separator: " ").last
        let switchPID = Int32(try String(contentsOfFile: sandbox.directory + "/ovs-vswitchd.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try AgentProcess.eventually { agents(try agent.json("/v1/networks"))["ovs-vswitchd"]?["running"] as? Bool == true })
        var found = agents(try agent.json("/v1/networks"))
        let vswitchd = try #require(found["ovs-vswitchd"])
        #expect(vswitchd["pid"] as? Int32 == switchPID)
        #expect(vswitchd["evidence"] as? String == "unixctl")
        let reportedVersion = vswitchd["version"] as? String
        #expect(reportedVersion == expectedVersion.map(String.init))
        #expect((vswitchd["datapathTypes"] as? [String])?.contains("netdev") == true)

        // The Neutron agent: running, found in the process table (the test's agent runs as root), its file known.
        #expect(try AgentProcess.eventually { agents(try agent.json("/v1/networks"))["neutron-openvswitch-agent"]?["running"] as? Bool == true })
        found = agents(try agent.json("/v1/networks"))
        #expect(found["neutron-openvswitch-agent"]?["pid"] as? Int32 == neutron.pid)
        #expect(found["neutron-openvswitch-agent"]?["configFile"] as? String == ini)
        #expect(found["neutron-linuxbridge-agent"] == nil, "neither running nor configured")
        #expect(try metric(agent, #"fabric_provider_agent_running{agent="neutron-openvswitch-agent"}"#) == 1)

        // The tunnel is down (BFD without a peer) and the vNIC's tap is in the switch.
        #expect(try metric(agent, #"fabric_tunnel_up{bridge="\#(bridge)",interface="vxlan-c000020c",type="vxlan",remote_ip="192.0.2.12"}"#) == 0)
        let vnicSeries = #"fabric_vnic_on_bridge{interface="\#(tap)",bridge="\#(bridge)",port_id="5e1f0a9c-0000-4000-8000-0000000000aa",vm_id="0b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f"}"#
        #expect(try AgentProcess.eventually { try metric(agent, vnicSeries) == 1 })

        // A Linux bridge takes the tap (what libvirtd does when it reattaches a tap to its live XML's bridge).
        try ProcessRunner.checkedOutput("ip", ["link", "set", tap, "master", linuxBridge])
        #expect(try AgentProcess.eventually { try metric(agent, vnicSeries) == 0 })
        let ports = try agent.json("/v1/networks")["providerPorts"] as? [[String: Any]] ?? []
        #expect(ports.first { $0["interface"] as? String == tap }?["problem"] as? String
            == "the tap is a port of \(linuxBridge), not of the switch")

        // With the kernel datapath libvirtd also deletes the OVS port: the agent remembers the port while the tap lives.
        try sandbox.vsctl("del-port", bridge, tap)
        func portOf(_ name: String) throws -> [String: Any]? {
            (try agent.json("/v1/networks")["providerPorts"] as? [[String: Any]] ?? []).first { $0["interface"] as? String == name }
        }
        #expect(try AgentProcess.eventually {
            try portOf(tap)?["problem"] as? String
                == "its port left OVS bridge \(bridge) while the tap remains, now a port of \(linuxBridge)"
        })
        #expect(try metric(agent, vnicSeries) == 0)
        // The tap goes (the VM stopped): nothing is left to report.
        _ = try ProcessRunner.run("ip", ["link", "del", tap])
        #expect(try AgentProcess.eventually { try portOf(tap) == nil })

        // A link that carries no network changes the table, not the networks: a changes event, no networks event.
        let bystander = OVSSandbox.uniqueName("bya"), bystanderPeer = OVSSandbox.uniqueName("byb")
        let networksBefore = events.events().filter { $0.name == "networks" }.count
        try ProcessRunner.checkedOutput("ip", ["link", "add", bystander, "type", "veth", "peer", "name", bystanderPeer])
        defer { _ = try? ProcessRunner.run("ip", ["link", "del", bystander]) }
        #expect(AgentProcess.eventually {
            // A changes event, or the whole table for a stream that skipped a version.
            events.events().contains { event in
                let rows = event.data[event.name == "changes" ? "changed" : "interfaces"] as? [[String: Any]] ?? []
                return event.name != "networks" && rows.contains { $0["name"] as? String == bystander }
            }
        })
        Thread.sleep(forTimeInterval: 0.5)  // a networks event would follow its changes event in the same write
        #expect(events.events().filter { $0.name == "networks" }.count == networksBefore)

        // The Neutron agent stops: one networks event says so, within the probe's 2 s (plus the stream's delivery).
        let stopped = Date()
        neutron.stop()
        #expect(AgentProcess.eventually {
            let last = events.events().last { $0.name == "networks" }
            return last.map { agents($0.data)["neutron-openvswitch-agent"]?["running"] as? Bool == false } ?? false
        })
        let noticed = Date().timeIntervalSince(stopped)
        #expect(noticed < 4, "noticed after \(noticed) s")
        #expect(try metric(agent, #"fabric_provider_agent_running{agent="neutron-openvswitch-agent"}"#) == 0)

        // ovs-vswitchd stops: its pid file names a process that is gone.
        sandbox.stopSwitch()
        #expect(AgentProcess.eventually {
            let last = events.events().last { $0.name == "networks" }
            return last.map { agents($0.data)["ovs-vswitchd"]?["running"] as? Bool == false } ?? false
        })
        #expect(try metric(agent, #"fabric_provider_agent_running{agent="ovs-vswitchd"}"#) == 0)

        // The stream carried the table first, then networks events only when the networks changed (each one differs
        // from the one before in more than its sampling time), each after its version's table or changes event.
        let received = events.events()
        #expect(received.first?.name == "table")
        #expect(received.dropFirst().first?.name == "networks")
        let networkEvents = received.filter { $0.name == "networks" }
        #expect(networkEvents.count >= 4, "\(networkEvents.count) of \(received.count)")
        let withoutTime = networkEvents.map { event -> NSDictionary in
            var data = event.data
            data["sampledAt"] = nil
            return data as NSDictionary
        }
        for (position, (before, after)) in zip(withoutTime, withoutTime.dropFirst()).enumerated() {
            #expect(!before.isEqual(after), "networks event \(position + 2) of \(networkEvents.count) repeats the one before")
        }
    }
}
