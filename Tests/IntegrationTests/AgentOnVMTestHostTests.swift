// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// `fabric-agent show` inside the VM test host's real Debian kernel, where bonds, VLANs and the OVS
/// kernel datapath exist, checked against the same boot's `ip`, sysfs and procfs dumps.
@Suite(
    "fabric-agent on the VM test host",
    .serialized,
    .enabled(if: VMTestHost.isAvailable && BuiltProducts.path("fabric-agent") != nil,
             Comment(rawValue: VMTestHost.unavailableReason ?? "fabric-agent is not built"))
)
struct AgentOnVMTestHostTests {
    struct Output {
        let rows: [String: [String: Any]]
        let links: [String: [String: Any]]
        let run: VMRunResult
    }

    static func output() throws -> Output {
        let run = try Scenario.run()
        #expect(try run.text("fabric-agent.status").trimmingCharacters(in: .whitespacesAndNewlines) == "0",
                "stderr: \((try? run.text("fabric-agent.stderr")) ?? "")")
        let table = try #require(try JSONSerialization.jsonObject(with: run.data("fabric-agent.json")) as? [String: Any])
        let rows = try #require(table["interfaces"] as? [[String: Any]])
        let links = try IPJSON.objects(run.text("links.json"))
        return Output(
            rows: Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) }),
            links: Dictionary(uniqueKeysWithValues: links.map { ($0["ifname"] as! String, $0) }),
            run: run)
    }

    @Test func everyLinkMatchesIP() throws {
        let out = try Self.output()
        #expect(Set(out.rows.keys) == Set(out.links.keys))
        for (name, link) in out.links {
            let row = try #require(out.rows[name])
            #expect(IPJSON.int(row["index"]) == IPJSON.int(link["ifindex"]), "\(name)")
            #expect(row["kernelKind"] as? String == IPJSON.value(link, "linkinfo", "info_kind") as? String, "\(name)")
            #expect(row["master"] as? String == link["master"] as? String, "\(name)")
            #expect(row["slaveKind"] as? String == IPJSON.value(link, "linkinfo", "info_slave_kind") as? String, "\(name)")
            #expect(row["operState"] as? String == link["operstate"] as? String, "\(name)")
            #expect(row["mtu"] as? Int == IPJSON.int(link["mtu"]), "\(name)")
            if let vlan = IPJSON.int(IPJSON.value(link, "linkinfo", "info_data", "id")) {
                #expect(row["vlanID"] as? Int == vlan, "\(name)")
                #expect(row["parent"] as? String == link["link"] as? String, "\(name)")
            }
        }
    }

    @Test(arguments: ["bond0", "bond1", "bond2", "bond3"])
    func bondsMatchSysfsAndProcfs(bond: String) throws {
        let out = try Self.output()
        let row = try #require(out.rows[bond])
        #expect(row["kind"] as? String == "bond")
        #expect(row["bond"] as? String == bond)
        let bonding = try #require(row["bonding"] as? [String: Any])
        let sysfsMode = try out.run.text("sys-bonding/\(bond)/mode").split(separator: " ").last.map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(bonding["mode"] as? Int == sysfsMode ?? nil)
        let slaves = try out.run.text("sys-bonding/\(bond)/slaves").split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(bonding["slaves"] as? [String] == slaves)
        let active = try out.run.text("sys-bonding/\(bond)/active_slave").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bonding["activeSlave"] as? String == (active.isEmpty ? nil : active))
        let procfs = try out.run.text("proc-net-bonding/\(bond)")
        for slave in slaves {
            let slaveRow = try #require(out.rows[slave])
            #expect(slaveRow["bond"] as? String == bond)
            let permanent = try #require(slaveRow["permanentMAC"] as? String)
            #expect(procfs.lowercased().contains("slave interface: \(slave)\n"))
            #expect(procfs.lowercased().contains("permanent hw addr: \(permanent)"))
        }
    }

    @Test func bondAndVLANSpeedsFollowVDSMsRules() throws {
        let out = try Self.output()
        let veth = try out.run.text("speed/vr0").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(veth == "10000", "the guest kernel's veth speed")
        #expect(out.rows["vr0"]?["speedMbps"] as? Int == 10000)
        #expect(out.rows["bond2"]?["speedMbps"] as? Int == 20000, "balance-rr: the sum of the slaves")
        #expect(out.rows["bond2.200"]?["speedMbps"] as? Int == 20000, "a VLAN: its parent's")
        #expect(out.rows["bond3"]?["speedMbps"] as? Int == 10000, "active-backup: the active slave's")
        #expect(out.rows["bond0"]?["speedMbps"] == nil, "dummies report no speed, so the bond's is unknown")
    }

    @Test func vdsmNetworksAndOVSPortsAreClassified() throws {
        let out = try Self.output()
        func fabric(_ name: String) -> String? { IPJSON.value(out.rows[name] ?? [:], "classification", "fabric") as? String }
        func network(_ name: String) -> String? { IPJSON.value(out.rows[name] ?? [:], "classification", "networkName") as? String }
        for name in ["ovirtmgmt", "bond2.200"] {
            #expect(fabric(name) == "vdsm", "\(name)")
            #expect(network(name) == "ovirtmgmt", "\(name)")
        }
        for name in ["bond2", "vr0", "vr1"] {
            #expect(fabric(name) == "vdsm", "\(name)")
            #expect(network(name) == "ovirtmgmt, storage", "\(name)")
        }
        // Kernel datapath: ports are enslaved to ovs-system, and OVSDB says which bridge they are on.
        let dummy4 = try #require(out.rows["dummy4"])
        #expect(dummy4["master"] as? String == "ovs-system")
        #expect(dummy4["slaveKind"] as? String == "openvswitch")
        #expect(IPJSON.value(dummy4, "ovs", "bridge") as? String == "br-k")
        #expect(fabric("dummy4") == "unclassified", "br-k is no provider's bridge")
        #expect(out.rows["br-k"]?["kind"] as? String == "ovs-internal")
        #expect(out.rows["ovs-system"]?["kind"] as? String == "ovs-system")
        #expect(fabric("tapvnic") == "openvswitch")
        #expect(IPJSON.value(out.rows["tapvnic"] ?? [:], "ovs", "externalIDs", "iface-id") as? String
                == "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f")
        #expect(fabric("br-int") == "openvswitch")
        #expect(fabric("br100") == "unclassified")
    }

    /// The networks on a real kernel's bond and VLAN: VDSM's characteristics from its netconf, the devices that
    /// carry each network, ovs-vswitchd's health, and a provider vNIC port on the kernel datapath (master
    /// `ovs-system`) that is in its bridge.
    @Test func vdsmNetworksOnBondsAndVLANsHaveTheirCharacteristicsAndDevices() throws {
        let out = try Self.output()
        let document = try #require(
            try JSONSerialization.jsonObject(with: out.run.data("fabric-agent-networks.json")) as? [String: Any])
        let networks = Dictionary(
            (document["networks"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) },
            uniquingKeysWith: { first, _ in first })
        let management = try #require(networks["ovirtmgmt"])
        #expect(management["fabric"] as? String == "vdsm")
        #expect(IPJSON.value(management, "vdsm", "vlan") as? Int == 200)
        #expect(IPJSON.value(management, "vdsm", "bonding") as? String == "bond2")
        #expect(IPJSON.value(management, "vdsm", "bridged") as? Bool == true)
        #expect(IPJSON.value(management, "vdsm", "mtu") as? Int == 1500)
        #expect(IPJSON.value(management, "vdsm", "ipv4", "address") as? String == "10.35.1.20")
        #expect(IPJSON.value(management, "vdsm", "ipv4", "prefix") as? Int == 24)
        #expect(IPJSON.value(management, "vdsm", "ipv4", "gateway") as? String == "10.35.1.254")
        #expect(IPJSON.value(management, "vdsm", "defaultRoute") as? Bool == true)
        let carriers = (management["interfaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(carriers) == ["vr0", "vr1", "bond2", "bond2.200", "ovirtmgmt"], "\(carriers)")
        let vlanMember = (management["interfaces"] as? [[String: Any]])?.first { $0["name"] as? String == "bond2.200" }
        #expect(vlanMember?["vlan"] as? Int == 200, "the kernel VLAN id of the carrying device")

        let storage = try #require(networks["storage"])
        #expect(IPJSON.value(storage, "vdsm", "bridged") as? Bool == false)
        #expect(IPJSON.value(storage, "vdsm", "ipv6", "autoconf") as? Bool == true)
        #expect(IPJSON.value(storage, "vdsm", "hostQoS", "linkShare") as? Int == 50)
        #expect(IPJSON.value(storage, "vdsm", "hostQoS", "upperLimit") as? Int == 2000)
        #expect(Set((storage["interfaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }) == ["vr0", "vr1", "bond2"])

        // `fabric-agent network ovirtmgmt`: the VLAN tag the seed asks for, and the bond.
        let text = try out.run.text("fabric-agent-network-ovirtmgmt.txt")
        let facts = Dictionary(text.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { first, _ in first })
        #expect(facts["VLAN"] == "200", "\(text)")
        #expect(facts["Device"] == "bond2")
        #expect(facts["IPv4"] == "10.35.1.20/24")

        // The kernel datapath: the vNIC port's tap is enslaved to ovs-system, which counts as in the switch.
        let ports = document["providerPorts"] as? [[String: Any]] ?? []
        let vnic = try #require(ports.first { $0["interface"] as? String == "tapvnic" })
        #expect(vnic["onBridge"] as? Bool == true, "\(vnic)")
        #expect(vnic["bridge"] as? String == "br-int")
        let vswitchd = (document["agents"] as? [[String: Any]])?.first { $0["name"] as? String == "ovs-vswitchd" }
        #expect(vswitchd?["running"] as? Bool == true, "\(vswitchd ?? [:])")
        #expect((vswitchd?["datapathTypes"] as? [String])?.contains("system") == true)
    }
}
