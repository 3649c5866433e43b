// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// The size limit on a message (``JSONStreamFramer/defaultMaximumMessageSize``) must leave a real
/// host far inside it. A large oVirt host: 4,096 ports on the integration bridge, 1,000 of them vNICs
/// carrying what Neutron or OVN writes on them, the rest Geneve tunnels to other chassis, every
/// interface with the columns ovs-vswitchd fills in (ofport, ifindex, MAC, link speed).
@Suite(.enabled(if: OVSSandbox.isAvailable, "\(OVSSandbox.unavailableReason ?? "")"), .timeLimit(.minutes(2)))
struct OVSDBReplySizeTests {
    static let ports = 4_096
    static let vNICs = 1_000

    /// One transaction inserting the bridge, its ports and their interfaces.
    static func largeHostTransaction(bridge: String) -> [JSONValue] {
        var operations: [JSONValue] = []
        var portRefs: [JSONValue] = []
        for index in 0..<ports {
            let isVNIC = index < vNICs
            let name = isVNIC ? String(format: "tap%08x-%02x", index, index % 256) : "ovn-\(String(format: "%06x", index))-0"
            let uuid = String(format: "%08x-1111-4a2b-8c3d-%012x", index, index)
            let mac = String(format: "fe:16:3e:%02x:%02x:%02x", (index >> 16) & 0xFF, (index >> 8) & 0xFF, index & 0xFF)
            var interface: [(String, JSONValue)] = [
                ("name", .string(name)), ("ofport", .integer(Int64(index + 1))), ("ifindex", .integer(Int64(index + 100))),
                ("mac_in_use", .string(mac)), ("link_speed", .integer(10_000_000_000)),
            ]
            var port: [(String, JSONValue)] = [("name", .string(name))]
            if isVNIC {
                interface += [
                    ("type", ""),
                    ("external_ids", OVSDBValue.stringMap([
                        "iface-id": uuid, "attached-mac": mac, "vm-id": "c3d2e1f0-" + uuid.dropFirst(9),
                        "iface-status": "active", "ovn-installed": "true", "ovn-installed-ts": "1732000000000",
                    ]).json),
                ]
                port += [
                    ("tag", .integer(Int64(index % 4094 + 1))),
                    ("other_config", OVSDBValue.stringMap([
                        "net_uuid": "5d1e7c8a-0000-4000-8000-\(String(format: "%012x", index % 64))", "network_type": "vlan",
                        "physical_network": "physnet1", "segmentation_id": "\(index % 4094 + 1)", "tag": "\(index % 4094 + 1)",
                    ]).json),
                ]
            } else {
                interface += [
                    ("type", "geneve"),
                    ("options", OVSDBValue.stringMap([
                        "remote_ip": "10.\((index >> 16) & 0xFF).\((index >> 8) & 0xFF).\(index & 0xFF)", "key": "flow", "csum": "true",
                    ]).json),
                ]
                port += [("external_ids", OVSDBValue.stringMap(["ovn-chassis-id": "chassis-\(uuid)@10.0.0.1"]).json)]
            }
            operations.append([
                "op": "insert", "table": "Interface", "row": .object(interface.map { JSONValue.Member($0.0, $0.1) }),
                "uuid-name": .string("i\(index)"),
            ])
            port.append(("interfaces", ["named-uuid", .string("i\(index)")]))
            operations.append([
                "op": "insert", "table": "Port", "row": .object(port.map { JSONValue.Member($0.0, $0.1) }),
                "uuid-name": .string("p\(index)"),
            ])
            portRefs.append(["named-uuid", .string("p\(index)")])
        }
        operations.append([
            "op": "insert", "table": "Bridge", "uuid-name": "bridge",
            "row": ["name": .string(bridge), "ports": ["set", .array(portRefs)], "datapath_type": "system"],
        ])
        operations.append([
            "op": "mutate", "table": "Open_vSwitch", "where": [],
            "mutations": [["bridges", "insert", ["set", [["named-uuid", "bridge"]]]]],
        ])
        return operations
    }

    @Test func aMonitorReplyForALargeHostIsFarUnderTheLimit() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        var writer = try OVSDBClient(endpoint: OVSDBEndpoint(parsing: sandbox.remote), timeout: .seconds(60))
        _ = try writer.transact(operations: Self.largeHostTransaction(bridge: "br-int"))

        // A proxy that injects nothing, to count the bytes of the monitor's initial reply.
        let proxy = try OVSDBFaultProxy(upstream: sandbox.socketPath, trigger: .reply(to: "none"), fault: .stallHalfway)
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: .seconds(60))
        let started = ContinuousClock.now
        var state: SwitchState?
        try client.monitor { state = $0; return false }
        let elapsed = ContinuousClock.now - started
        let bytes = proxy.bytesSentToClients
        #expect(state?.bridges.first?.ports.count == Self.ports)
        let limit = JSONStreamFramer.defaultMaximumMessageSize
        // At least 4× headroom: a host four times larger still works.
        #expect(bytes * 4 < limit, "monitor reply of \(bytes) bytes")
        FaultFigure.record(String(format: "monitor reply for %d ports (%d vNICs): %.2f MiB (limit %.0f MiB), read in %@",
            Self.ports, Self.vNICs, Double(bytes) / 1_048_576, Double(limit) / 1_048_576, "\(elapsed)"))

        if let agent = BuiltProducts.path("fabric-agent"), PeakMemoryRun.isAvailable {
            let run = try PeakMemoryRun([agent, "show", "--json", "--no-rates", "--ovsdb", sandbox.remote, "--ovsdb-timeout", "30"])
            #expect(run.standardOutput.contains(#""reachable" : true"#))
            FaultFigure.record(String(format: "fabric-agent show on that host: peak RSS %.1f MiB", run.peakMiB))
        }
    }
}
