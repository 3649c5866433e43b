import FabricInventory
import Testing

// SPDX-License-Identifier: Apache-2.0
@testable import FabricAgentService

/// `fabric_network_info` and `fabric_network_interfaces` from a host's VDSM networks, as the exposition text.
@Suite struct MetricsNetworkInfoTests {
    static func exposition(_ vdsm: VDSMNetworkConfig) -> String {
        let table = HostTable(
            hostname: "host-a", sampledAt: 1, intervalSeconds: nil,
            sources: HostTable.Sources(
                ovsdb: HostTable.OVSDBStatus(endpoint: "unix:/x", reachable: false), vdsmConfig: nil, warnings: []),
            interfaces: [])
        let networks = HostNetworks(table: table, vdsm: vdsm)
        return String(decoding: MetricsExporter.exposition(table, networks: networks), as: UTF8.self)
    }

    static func value(_ line: String) -> Double? {
        line.split(separator: " ").last.flatMap { Double($0) }
    }

    @Test func oneInfoSeriesPerNetworkWithItsVLANAndSwitch() {
        let text = Self.exposition(
            VDSMNetworkConfig(networks: [
                VDSMNetwork(name: "ovirtmgmt", nic: "eno1", vlan: 100),
                VDSMNetwork(name: "storage", nic: "eno2", bridged: false, switchType: "ovs"),
            ]))
        let lines = text.split(separator: "\n").map(String.init)
        let info = lines.filter { $0.hasPrefix("fabric_network_info{") }.sorted()
        #expect(info.count == 2, "\(text)")
        #expect(
            info.contains {
                $0.contains(#"network="ovirtmgmt""#) && $0.contains(#"vlan="100""#) && $0.contains(#"switch="legacy""#)
                    && Self.value($0) == 1
            })
        #expect(
            info.contains {
                $0.contains(#"network="storage""#) && $0.contains(#"vlan="""#) && $0.contains(#"switch="ovs""#)
            })
        #expect(info.allSatisfy { $0.contains(#"fabric="vdsm""#) })
        // Configured but carried by no device in this (empty) table.
        #expect(
            lines.contains {
                $0.hasPrefix("fabric_network_interfaces{") && $0.contains(#"network="storage""#) && Self.value($0) == 0
            })
        #expect(lines.contains("# TYPE fabric_network_info gauge"))
    }

    @Test func noNetworksNoSeries() {
        let text = Self.exposition(VDSMNetworkConfig())
        #expect(!text.contains("fabric_network_info{"))
        #expect(text.contains("fabric_interfaces"), "the rest of the exposition is still there")
    }
}
