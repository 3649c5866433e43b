// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// A provider network's characteristics from a real Open vSwitch laid out the way the Neutron OVS agent lays it
/// out: br-int with a patch to br-tun and one to the mapped physical bridge, vxlan tunnels on br-tun with the
/// agent's options (one with BFD), and vNIC ports the agent has bound (`tag` and `other_config`). `fabric-agent
/// network NAME` shows the segment and the tunnel endpoints, as text and JSON.
@Suite(.serialized) struct NeutronOVSNetworksTests {
    static let agentPath = BuiltProducts.path("fabric-agent")
    static let available = OVSSandbox.isAvailable && agentPath != nil
    static let reason = Comment(rawValue: OVSSandbox.unavailableReason ?? "needs a built fabric-agent")

    struct Layout {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var integration: String { "ni" + tag }
        var tunnel: String { "nt" + tag }
        var physical: String { "np" + tag }
        var vlanVNIC: String { "tv" + tag }
        var vxlanVNIC: String { "tx" + tag }
        // The agent names a tunnel after its type and the remote IP in hex.
        let tunnelToHost2 = "vxlan-c000020c", tunnelToHost3 = "vxlan-c000020d"
        let vlanNetwork = "5d1e7c8a-0000-4000-8000-000000000001"
        let vxlanNetwork = "7a3f9e21-0000-4000-8000-000000000002"
        let localIP = "192.0.2.11"
    }

    func build(_ sandbox: OVSSandbox, _ l: Layout) throws {
        func tunnel(_ name: String, remote: String, bfd: Bool) -> [String] {
            ["--", "add-port", l.tunnel, name, "--", "set", "Interface", name, "type=vxlan",
             "options:df_default=true", "options:egress_pkt_mark=0", "options:in_key=flow", "options:out_key=flow",
             "options:local_ip=\(l.localIP)", "options:remote_ip=\(remote)"] + (bfd ? ["bfd:enable=true"] : [])
        }
        var args = [
            "--", "add-br", l.integration, "--", "set", "Bridge", l.integration, "datapath_type=netdev",
            "--", "add-br", l.tunnel, "--", "set", "Bridge", l.tunnel, "datapath_type=netdev",
            "--", "add-br", l.physical, "--", "set", "Bridge", l.physical, "datapath_type=netdev",
            "--", "add-port", l.integration, "patch-tun", "--", "set", "Interface", "patch-tun", "type=patch",
            "options:peer=patch-int",
            "--", "add-port", l.tunnel, "patch-int", "--", "set", "Interface", "patch-int", "type=patch",
            "options:peer=patch-tun",
            "--", "add-port", l.integration, "int-" + l.physical, "--", "set", "Interface", "int-" + l.physical,
            "type=patch", "options:peer=phy-" + l.physical,
            "--", "add-port", l.physical, "phy-" + l.physical, "--", "set", "Interface", "phy-" + l.physical,
            "type=patch", "options:peer=int-" + l.physical,
            // A vNIC on a VLAN network: local VLAN 1 on br-int, VLAN 300 on physnet1.
            "--", "add-port", l.integration, l.vlanVNIC, "tag=1", "--", "set", "Interface", l.vlanVNIC, "type=internal",
            "external_ids:iface-id=8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f", "external_ids:attached-mac=56:6f:1a:2b:00:07",
            "external_ids:vm-id=c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d", "external_ids:iface-status=active",
            "--", "set", "Port", l.vlanVNIC, "other_config:net_uuid=\(l.vlanNetwork)", "other_config:network_type=vlan",
            "other_config:physical_network=physnet1", "other_config:segmentation_id=300", "other_config:tag=1",
            // A vNIC on a VXLAN network: local VLAN 2, VNI 5001, no physical network (the agent writes None).
            "--", "add-port", l.integration, l.vxlanVNIC, "tag=2", "--", "set", "Interface", l.vxlanVNIC, "type=internal",
            "external_ids:iface-id=1b2c3d4e-0000-4000-8000-00000000000a", "external_ids:attached-mac=56:6f:1a:2b:00:08",
            "external_ids:vm-id=c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d", "external_ids:iface-status=active",
            "--", "set", "Port", l.vxlanVNIC, "other_config:net_uuid=\(l.vxlanNetwork)", "other_config:network_type=vxlan",
            "other_config:physical_network=None", "other_config:segmentation_id=5001", "other_config:tag=2",
        ]
        args += tunnel(l.tunnelToHost2, remote: "192.0.2.12", bfd: false)
        args += tunnel(l.tunnelToHost3, remote: "192.0.2.13", bfd: true)
        _ = try sandbox.vsctl(args, wait: true)
    }

    func agent(_ sandbox: OVSSandbox, _ l: Layout, _ arguments: [String]) throws -> ProcessResult {
        let ini = NSTemporaryDirectory() + "fabric-ovs-agent-\(l.tag).ini"
        try """
            [ovs]
            integration_bridge = \(l.integration)
            tunnel_bridge = \(l.tunnel)
            bridge_mappings = physnet1:\(l.physical)
            local_ip = \(l.localIP)
            [agent]
            tunnel_types = vxlan
            """.write(toFile: ini, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: ini) }
        return try ProcessRunner.run(Self.agentPath!, arguments + [
            "--ovsdb", sandbox.remote, "--neutron-ovs-agent-config", ini, "--neutron-linuxbridge-agent-config", "/nonexistent",
        ])
    }

    func json(_ result: ProcessResult) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any])
    }

    @Test(.enabled(if: available, reason))
    func aVLANNetworkShowsItsSegmentPhysicalNetworkAndLocalVLAN() throws {
        let sandbox = try OVSSandbox()
        defer { sandbox.stop() }
        let l = Layout()
        try build(sandbox, l)
        let network = try json(try agent(sandbox, l, ["network", l.vlanNetwork, "--json"]))
        #expect(network["fabric"] as? String == "openvswitch")
        let segment = try #require(network["segment"] as? [String: Any])
        #expect(segment["networkID"] as? String == l.vlanNetwork)
        #expect(segment["networkType"] as? String == "vlan")
        #expect(segment["segmentationID"] as? Int == 300)
        #expect(segment["physicalNetwork"] as? String == "physnet1")
        #expect(segment["bridge"] as? String == l.physical)
        #expect(segment["localVLAN"] as? Int == 1)
        #expect(network["tunnels"] == nil, "a VLAN network is not carried in tunnels")
        let members = try #require(network["interfaces"] as? [[String: Any]])
        #expect(members.map { $0["name"] as? String } == [l.vlanVNIC])

        let text = String(decoding: try agent(sandbox, l, ["network", l.vlanNetwork]).standardOutput, as: UTF8.self)
        #expect(text.contains("Segmentation id:  300\n"), "\(text)")
        #expect(text.contains("Physical network: physnet1 (bridge \(l.physical))\n"))
    }

    @Test(.enabled(if: available, reason))
    func aVXLANNetworkShowsItsVNIAndEveryTunnelEndpoint() throws {
        let sandbox = try OVSSandbox()
        defer { sandbox.stop() }
        let l = Layout()
        try build(sandbox, l)
        let network = try json(try agent(sandbox, l, ["network", l.vxlanNetwork, "--json"]))
        let segment = try #require(network["segment"] as? [String: Any])
        #expect(segment["networkType"] as? String == "vxlan")
        #expect(segment["segmentationID"] as? Int == 5001)
        #expect(segment["physicalNetwork"] == nil, "None is no physical network")
        #expect(segment["localVLAN"] as? Int == 2)
        let tunnels = try #require(network["tunnels"] as? [[String: Any]])
        #expect(tunnels.map { $0["interface"] as? String } == [l.tunnelToHost2, l.tunnelToHost3])
        #expect(tunnels.map { $0["remoteIP"] as? String } == ["192.0.2.12", "192.0.2.13"])
        #expect(tunnels.allSatisfy { $0["localIP"] as? String == l.localIP && $0["key"] as? String == "flow" && $0["bridge"] as? String == l.tunnel })
        #expect(tunnels.allSatisfy { ["up", "down"].contains($0["linkState"] as? String) })
        // BFD is reported only where it is on; with no peer answering, the session is not up.
        #expect(tunnels[0]["bfdState"] == nil)
        let bfd = try #require(tunnels[1]["bfdState"] as? String)
        #expect(bfd != "up")

        // The host-wide list has both tunnels too, and the text shows the endpoints.
        let all = try json(try agent(sandbox, l, ["show", "--networks", "--json"]))
        let hostTunnels = try #require(all["tunnels"] as? [[String: Any]])
        #expect(Set(hostTunnels.compactMap { $0["remoteIP"] as? String }) == ["192.0.2.12", "192.0.2.13"])
        let text = String(decoding: try agent(sandbox, l, ["network", l.vxlanNetwork]).standardOutput, as: UTF8.self)
        #expect(text.contains("Tunnel key (VNI): 5001\n"), "\(text)")
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix(l.tunnelToHost3) })
        #expect(row.split(separator: " ", omittingEmptySubsequences: true).prefix(5) == [
            Substring(l.tunnelToHost3), Substring(l.tunnel), "vxlan", Substring(l.localIP), "192.0.2.13",
        ])
    }
}
