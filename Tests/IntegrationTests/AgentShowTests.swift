// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// `fabric-agent show` as a whole process, inside network namespaces this test creates, checked
/// against what iproute2 says about the same namespace.
@Suite(.serialized) struct AgentShowTests {
    static let agentPath = BuiltProducts.path("fabric-agent")
    static let available = NetworkNamespaceFixture.isSupported && agentPath != nil
    static let reason: Comment = "needs root, iproute2 and a built fabric-agent (swift build)"
    static let noOVSDB = "unix:/nonexistent/fabric-test/db.sock"

    /// Runs the agent in the namespace the way an admin would (`ip netns exec` also remounts /sys).
    func agent(in namespace: NetworkNamespaceFixture, _ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run("ip", ["netns", "exec", namespace.name, Self.agentPath!] + arguments)
    }

    func populate(_ namespace: NetworkNamespaceFixture) throws {
        try namespace.ipBatch([
            "link add v0 type veth peer name v1",
            "link add br0 type bridge",
            "link set v1 master br0",
            "link add mv0 link v0 type macvlan mode bridge",
            "tuntap add tap0 mode tap",
            "link set tap0 master br0",
            "link add vx0 type vxlan id 42 dev v0 dstport 4789",
            "link set lo up", "link set v0 up", "link set v1 up", "link set br0 up", "link set mv0 up",
            "addr add 192.0.2.1/24 dev br0",
            "addr add 192.0.2.2/24 dev br0",
            "addr add 198.51.100.7/25 dev mv0",
            "addr add 2001:db8::1/64 dev v0 nodad",
        ])
    }

    @Test(.enabled(if: available, reason))
    func theJSONTableMatchesIPFieldByField() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fabric-show")
        defer { namespace.delete() }
        try populate(namespace)

        let result = try agent(in: namespace, ["show", "--json", "--no-rates", "--ovsdb", Self.noOVSDB])
        #expect(result.status == 0, "\(result.standardError)")
        let table = try #require(try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any])
        #expect(table["schema"] as? String == "fabric.host-interfaces")
        #expect(table["schemaVersion"] as? Int == 1)
        #expect(table["intervalSeconds"] == nil)
        let ovsdb = try #require(IPJSON.value(table, "sources", "ovsdb") as? [String: Any])
        #expect(ovsdb["reachable"] as? Bool == false)
        #expect(ovsdb["endpoint"] as? String == Self.noOVSDB)

        let rows = try #require(table["interfaces"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
        let links = try IPJSON.objects(namespace.ip("-d", "-j", "link", "show"))
        let addresses = try IPJSON.objects(namespace.ip("-j", "addr", "show"))
        #expect(Set(byName.keys) == Set(links.map { $0["ifname"] as! String }))
        let nameByIndex = Dictionary(uniqueKeysWithValues: links.map { (IPJSON.int($0["ifindex"])!, $0["ifname"] as! String) })

        for link in links {
            let name = link["ifname"] as! String
            let row = try #require(byName[name])
            #expect(IPJSON.int(row["index"]) == IPJSON.int(link["ifindex"]), "\(name)")
            #expect(row["kernelKind"] as? String == IPJSON.value(link, "linkinfo", "info_kind") as? String, "\(name)")
            #expect(row["mtu"] as? Int == IPJSON.int(link["mtu"]), "\(name)")
            #expect(row["operState"] as? String == link["operstate"] as? String, "\(name)")
            #expect(row["master"] as? String == link["master"] as? String, "\(name)")
            #expect(row["slaveKind"] as? String == IPJSON.value(link, "linkinfo", "info_slave_kind") as? String, "\(name)")
            if let mac = link["address"] as? String, link["link_type"] as? String != "none" {
                #expect(row["mac"] as? String == mac, "\(name)")
            }
            // `link` is the lower device of a macvlan and the peer of a veth.
            if let lower = IPJSON.int(link["link_index"]).flatMap({ nameByIndex[$0] }) {
                let key = IPJSON.value(link, "linkinfo", "info_kind") as? String == "veth" ? "peer" : "parent"
                #expect(row[key] as? String == lower, "\(name)")
            }
            let flags = link["flags"] as? [String] ?? []
            #expect(row["isUp"] as? Bool == (flags.contains("UP") && flags.contains("LOWER_UP")), "\(name)")

            let expected = Set(addresses.filter { $0["ifname"] as? String == name }.flatMap { entry in
                (entry["addr_info"] as? [[String: Any]] ?? []).map { "\($0["local"]!)/\($0["prefixlen"]!)" }
            })
            let actual = Set((row["addresses"] as? [[String: Any]] ?? []).map { $0["cidr"] as! String })
            #expect(actual == expected, "\(name)")
        }

        let kinds = byName.mapValues { $0["kind"] as? String }
        #expect(kinds["lo"] == "loopback")
        #expect(kinds["v0"] == "veth")
        #expect(kinds["br0"] == "bridge")
        #expect(kinds["mv0"] == "macvlan")
        #expect(kinds["tap0"] == "tap")
        #expect(kinds["vx0"] == "vxlan")
        #expect(byName["br0"]?["primaryAddress"] as? String == "192.0.2.1/24")
        #expect(Set(byName["br0"]?["bridgePorts"] as? [String] ?? []) == ["v1", "tap0"])
        #expect(IPJSON.value(byName["v1"]!, "classification", "fabric") as? String == "unclassified")
    }

    @Test(.enabled(if: available, reason))
    func theTerminalTableHasTheSeedsColumnsAndSaysOVSIsUnknown() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fabric-show")
        defer { namespace.delete() }
        try populate(namespace)
        let result = try agent(in: namespace, ["show", "--no-rates", "--ovsdb", Self.noOVSDB])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.output.split(separator: "\n").map(String.init)
        let header = try #require(lines.first)
        for column in ["Name", "Address", "MAC", "Speed (Mbps)", "Rx (Mbps)", "Tx (Mbps)", "Drops", "Bond", "Fabric", "Network Name"] {
            #expect(header.contains(column))
        }
        for name in ["lo", "v0", "v1", "br0", "mv0", "tap0", "vx0"] {
            #expect(lines.contains { $0.hasPrefix(name + " ") }, "\(name)")
        }
        #expect(lines.contains { $0.hasPrefix("br0 ") && $0.contains("192.0.2.1/24") })
        #expect(result.output.contains("note: OVS membership is unknown: Open vSwitch database is not reachable at \(Self.noOVSDB)"))
    }

    @Test(.enabled(if: available, reason))
    func ratesComeFromRealTrafficOverTheInterval() throws {
        let left = try NetworkNamespaceFixture(prefix: "fabric-rate")
        defer { left.delete() }
        let right = try NetworkNamespaceFixture(prefix: "fabric-rate")
        defer { right.delete() }
        try left.ipBatch(["link add a0 type veth peer name b0 netns \(right.name)", "addr add 10.77.0.1/24 dev a0",
                          "link set a0 up", "link set lo up"])
        try right.ipBatch(["addr add 10.77.0.2/24 dev b0", "link set b0 up", "link set lo up"])
        // About 1,000 datagrams of 1,200 bytes per second for 3 s, to the peer namespace only.
        let sender = try BackgroundProcess("ip", ["netns", "exec", left.name, "python3", "-c", """
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            end = time.monotonic() + 3
            while time.monotonic() < end:
                s.sendto(b"x" * 1200, ("10.77.0.2", 9))
                time.sleep(0.001)
            """])
        defer { sender.stop() }
        Thread.sleep(forTimeInterval: 0.3)
        let result = try agent(in: left, ["show", "--json", "--interval", "1", "--ovsdb", Self.noOVSDB])
        #expect(result.status == 0, "\(result.standardError)")
        let table = try #require(try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any])
        let interval = try #require(table["intervalSeconds"] as? Double)
        #expect(interval >= 1 && interval < 1.5)
        let rows = try #require(table["interfaces"] as? [[String: Any]])
        let a0 = try #require(rows.first { $0["name"] as? String == "a0" })
        let tx = try #require(IPJSON.value(a0, "rates", "txMbps") as? Double)
        // ~1,000 × 1,242 bytes on the wire per second ≈ 10 Mbit/s; the sleep granularity makes it less.
        #expect(tx > 1 && tx < 100, "tx \(tx) Mbps")
        #expect(IPJSON.value(a0, "rates", "droppedPackets") as? Int == 0)
        let lo = try #require(rows.first { $0["name"] as? String == "lo" })
        #expect(IPJSON.value(lo, "rates", "txMbps") as? Double == 0)
    }

    @Test(.enabled(if: available, reason))
    func vdsmAndLinuxBridgeAgentDevicesAreClassifiedRowByRow() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fabric-lb")
        defer { namespace.delete() }
        try namespace.ipBatch([
            // VDSM: network ovirtmgmt bridged on vd0, a VM tap on it; bridgeless "storage" on vs0.
            "link add vd0 type veth peer name vd0p", "link add ovirtmgmt type bridge", "link set vd0 master ovirtmgmt",
            "tuntap add vnet0 mode tap", "link set vnet0 master ovirtmgmt",
            "link add vs0 type veth peer name vs0p",
            // Neutron Linux bridge agent: physical interface lb0 (physnet "provider"), a network bridge
            // with a VXLAN device and a VM tap, and a bridge whose network only the name tells.
            "link add lb0 type veth peer name lb0p", "link add brq1c9d0f7a-2b type bridge",
            "link add vxlan-42 type vxlan id 42 dev lb0 group 239.1.1.1 local 192.0.2.11 dstport 4789", "link set vxlan-42 master brq1c9d0f7a-2b",
            "link set lb0 master brq1c9d0f7a-2b",
            "tuntap add tapa4b7e2c1-90 mode tap", "link set tapa4b7e2c1-90 master brq1c9d0f7a-2b",
            "link add brq99999999-99 type bridge",
            "tuntap add tap55555555-55 mode tap", "link set tap55555555-55 master brq99999999-99",
            "link add virbr9 type bridge",
        ])
        let root = NSTemporaryDirectory() + "fabric-root-\(namespace.name)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nets = root + "/var/lib/vdsm/staging/netconf/nets"
        try FileManager.default.createDirectory(atPath: nets, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/sys", withDestinationPath: "/sys")
        try FileManager.default.createSymbolicLink(atPath: root + "/proc", withDestinationPath: "/proc")
        try #"{"nic": "vd0", "bridged": true, "switch": "legacy"}"#.write(toFile: nets + "/ovirtmgmt", atomically: true, encoding: .utf8)
        try #"{"nic": "vs0", "bridged": false}"#.write(toFile: nets + "/storage", atomically: true, encoding: .utf8)
        try "[linux_bridge]\nphysical_interface_mappings = provider:lb0\n"
            .write(toFile: root + "/etc/lb.ini", atomically: true, encoding: .utf8)

        let result = try agent(in: namespace, [
            "show", "--json", "--no-rates", "--ovsdb", Self.noOVSDB, "--root", root,
            "--neutron-linuxbridge-agent-config", "/etc/lb.ini",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let table = try #require(try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any])
        #expect(IPJSON.value(table, "sources", "vdsmConfig") as? String == "/var/lib/vdsm/staging/netconf")
        let rows = try #require(table["interfaces"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
        let expected: [(String, String, String?)] = [
            ("ovirtmgmt", "vdsm", "ovirtmgmt"), ("vd0", "vdsm", "ovirtmgmt"), ("vnet0", "vdsm", "ovirtmgmt"),
            ("vs0", "vdsm", "storage"), ("vd0p", "unclassified", nil),
            ("brq1c9d0f7a-2b", "linuxbridge", "provider"), ("lb0", "linuxbridge", "provider"),
            ("vxlan-42", "linuxbridge", "provider"), ("tapa4b7e2c1-90", "linuxbridge", "provider"),
            ("brq99999999-99", "linuxbridge", "network 99999999-99…"),
            ("tap55555555-55", "linuxbridge", "network 99999999-99…"),
            ("virbr9", "unclassified", nil), ("lo", "unclassified", nil),
        ]
        for (name, fabric, network) in expected {
            let row = byName[name] ?? [:]
            #expect(IPJSON.value(row, "classification", "fabric") as? String == fabric, "\(name)")
            #expect(IPJSON.value(row, "classification", "networkName") as? String == network, "\(name)")
        }

        // The same host's networks: show --networks (text and JSON) and network NAME.
        let settings = ["--ovsdb", Self.noOVSDB, "--root", root, "--neutron-linuxbridge-agent-config", "/etc/lb.ini"]
        let listed = try agent(in: namespace, ["show", "--networks", "--json"] + settings)
        #expect(listed.status == 0, "\(listed.standardError)")
        let document = try #require(try JSONSerialization.jsonObject(with: listed.standardOutput) as? [String: Any])
        #expect(document["schema"] as? String == "fabric.host-networks")
        let networks = try #require(document["networks"] as? [[String: Any]])
        #expect(networks.compactMap { $0["name"] as? String } == ["network 99999999-99…", "ovirtmgmt", "provider", "storage"])
        let management = try #require(networks.first { $0["name"] as? String == "ovirtmgmt" })
        #expect((management["interfaces"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["vd0", "ovirtmgmt", "vnet0"])
        #expect(IPJSON.value(management, "vdsm", "nic") as? String == "vd0")

        let text = try agent(in: namespace, ["show", "--networks"] + settings)
        let storageLine = String(decoding: text.standardOutput, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("storage ") }
        #expect(storageLine?.split(separator: " ", omittingEmptySubsequences: true).prefix(5) == ["storage", "VDSM", "-", "vs0", "no"])

        let one = try agent(in: namespace, ["network", "provider"] + settings)
        #expect(one.status == 0, "\(one.standardError)")
        let detail = String(decoding: one.standardOutput, as: UTF8.self)
        let keys = detail.split(separator: "\n").prefix(2).map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(keys == [["Network:", "provider"], ["Fabric:", "Linux", "Bridge"]], "\(detail)")
        #expect(detail.contains("vxlan-42") && detail.contains("tapa4b7e2c1-90"))
        // The Linux bridge agent's VXLAN device with its VNI and endpoints, as text and JSON.
        #expect(detail.contains("VXLAN vxlan-42: VNI 42, group 239.1.1.1, local 192.0.2.11, port 4789, device lb0\n"), "\(detail)")
        let provider = try #require(networks.first { $0["name"] as? String == "provider" })
        let vxlanMember = (provider["interfaces"] as? [[String: Any]])?.first { $0["name"] as? String == "vxlan-42" }
        let vxlan = vxlanMember?["vxlan"] as? [String: Any] ?? [:]
        #expect(vxlan["vni"] as? Int == 42 && vxlan["port"] as? Int == 4789 && vxlan.count == 5, "\(vxlan)")
        #expect(vxlan.compactMapValues { $0 as? String } == ["group": "239.1.1.1", "local": "192.0.2.11", "device": "lb0"])

        let unknown = try agent(in: namespace, ["network", "nope"] + settings)
        #expect(unknown.status == 1)
        #expect(unknown.standardError
            == "fabric-agent: this host carries no network named 'nope' (it carries: network 99999999-99…, ovirtmgmt, provider, storage)\n")
    }

    @Test(.enabled(if: available, reason))
    func netlinkThatCannotBeReadIsOneLineAndExitOne() throws {
        let result = try ProcessRunner.run(Self.agentPath!, ["show", "--netns", "fabric-no-such-namespace"])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.standardError.hasPrefix("fabric-agent: cannot read the host's links over netlink:"))
        #expect(result.output.isEmpty)
    }

    /// `fabric-agent show …` parses with ShowCommand alone (FabricAgent.main); help and completion scripts must
    /// still come from the whole command, named `fabric-agent show`.
    @Test(.enabled(if: available, reason))
    func helpAndCompletionOfShowComeFromTheWholeCommand() throws {
        let help = try ProcessRunner.run(Self.agentPath!, ["show", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: fabric-agent show [<--KEY VALUE> ...]"))
        #expect(help.output.contains("--ovsdb"), "the settings list")
        let completion = try ProcessRunner.run(Self.agentPath!, ["show", "--generate-completion-script", "bash"])
        #expect(completion.status == 0)
        #expect(completion.output.hasPrefix("#!/bin/bash"))
        #expect(completion.output.contains("__fabric-agent"))
    }

    @Test(.enabled(if: available, reason), arguments: [
        ["show", "--interval", "0"], ["show", "--ovsdb", "tcp:127.0.0.1:6640"], ["show", "--netns", "../x"],
    ])
    func badOptionsAreRefusedWithAClearMessage(arguments: [String]) throws {
        let result = try ProcessRunner.run(Self.agentPath!, arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains("Error:"))
    }
}
