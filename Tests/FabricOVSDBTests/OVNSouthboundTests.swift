// SPDX-License-Identifier: Apache-2.0
import FabricJSON
import FabricOVSDB
import Testing

/// Southbound select results (the shape ovsdb-server sends for the four selects) joined into the view, and
/// ovn-controller's `connection-status` answers.
@Suite struct OVNSouthboundTests {
    static let results = """
        [{"rows":[
           {"_uuid":["uuid","c1"],"name":"chassis-a","hostname":"host-a","encaps":["uuid","e1"]},
           {"_uuid":["uuid","c2"],"name":"chassis-b","hostname":"host-b","encaps":["set",[["uuid","e3"],["uuid","e2"]]]}]},
         {"rows":[
           {"_uuid":["uuid","e1"],"type":"geneve","ip":"172.31.0.1"},
           {"_uuid":["uuid","e2"],"type":"geneve","ip":"172.31.0.2"},
           {"_uuid":["uuid","e3"],"type":"vxlan","ip":"172.31.0.2"}]},
         {"rows":[
           {"_uuid":["uuid","d1"],"external_ids":["map",[["logical-switch","ls-uuid"],["name","net-blue"]]]},
           {"_uuid":["uuid","d2"],"external_ids":["map",[["logical-switch","ls2"],["name","neutron-5d1e"],["name2","tenant-red"]]]}]},
         {"rows":[
           {"_uuid":["uuid","p1"],"logical_port":"port1","type":"","chassis":["uuid","c1"],"datapath":["uuid","d1"],
            "external_ids":["map",[]]},
           {"_uuid":["uuid","p2"],"logical_port":"port2","type":"","chassis":["set",[]],"datapath":["uuid","d2"],
            "external_ids":["map",[]]},
           {"_uuid":["uuid","p3"],"logical_port":"port3","type":"","chassis":["set",[]],"datapath":["uuid","d2"],
            "external_ids":["map",[["neutron:network_name","from-port"]]]}]}]
        """

    @Test func selectResultsAreJoined() throws {
        let json = try JSONValue(parsing: Self.results)
        let southbound = try OVNSouthbound(selectResults: try #require(json.arrayValue))
        #expect(southbound.chassis.map(\.name) == ["chassis-a", "chassis-b"])
        #expect(southbound.chassis(named: "chassis-b")?.encaps == [
            OVNSouthbound.Encap(type: "geneve", ip: "172.31.0.2"), OVNSouthbound.Encap(type: "vxlan", ip: "172.31.0.2"),
        ])
        let port1 = try #require(southbound.portBindings["port1"])
        #expect(port1.chassis == "chassis-a")
        #expect(port1.datapath?.name == "net-blue")
        #expect(port1.datapath?.isLogicalSwitch == true)
        #expect(port1.networkName == "net-blue")
        // Unbound; Neutron's name (name2) wins over the logical switch's, and the port's own over both.
        #expect(southbound.portBindings["port2"]?.chassis == nil)
        #expect(southbound.portBindings["port2"]?.networkName == "tenant-red")
        #expect(southbound.portBindings["port3"]?.networkName == "from-port")
    }

    @Test func portBindingsFromSeveralSelectsAreMergedAndMayBeAbsent() throws {
        let all = try #require(try JSONValue(parsing: Self.results).arrayValue)
        let bindings = try #require(all[3]["rows"]?.arrayValue)
        // One select per local logical port, as the agent reads them.
        let perPort = all.prefix(3) + bindings.map { row -> JSONValue in ["rows": [row]] }
        #expect(try OVNSouthbound(selectResults: Array(perPort)) == OVNSouthbound(selectResults: all))
        let none = try OVNSouthbound(selectResults: Array(all.prefix(3)))
        #expect(none.portBindings.isEmpty)
        #expect(none.chassis.count == 2)
    }

    @Test func missingResultsAreAProtocolViolation() throws {
        let json = try JSONValue(parsing: #"[{"rows":[]}]"#)
        #expect(throws: OVSDBError.self) { try OVNSouthbound(selectResults: try #require(json.arrayValue)) }
    }

    @Test(arguments: [
        (#""connected""#, true), (#""not connected""#, false), ("\"connected\\n\"", true),
    ])
    func connectionStatusAnswers(text: String, connected: Bool) throws {
        #expect(try OVNControllerStatus.parseConnectionStatus(JSONValue(parsing: text)) == connected)
    }

    @Test(arguments: [#""maybe""#, "42", "null"])
    func otherConnectionStatusAnswersThrow(text: String) throws {
        let json = try JSONValue(parsing: text)
        #expect(throws: OVSDBError.self) { try OVNControllerStatus.parseConnectionStatus(json) }
    }

    @Test func aClosedTCPPortIsUnreachable() throws {
        // Port 1 on loopback: nothing listens there on a test machine.
        let endpoint = try OVNRemote.endpoint(parsing: "tcp:127.0.0.1:1")
        let error = #expect(throws: OVSDBError.self) { _ = try OVSDBClient(endpoint: endpoint, timeout: .seconds(2)) }
        #expect(error?.kind == .unreachable)
        #expect(error?.description.contains("tcp:127.0.0.1:1") == true)
    }

    @Test func remotes() throws {
        #expect(try OVNRemote.endpoint(parsing: "unix:/run/ovn/ovnsb_db.sock").socketPath == "/run/ovn/ovnsb_db.sock")
        // A list: the first usable remote.
        #expect(try OVNRemote.endpoint(parsing: "tcp:10.0.0.1:6642").description == "tcp:10.0.0.1:6642")
        #expect(try OVNRemote.endpoint(parsing: "tcp:[2001:db8::1]:6643").description == "tcp:[2001:db8::1]:6643")
        #expect(try OVNRemote.endpoint(parsing: "tcp:10.0.0.1").description == "tcp:10.0.0.1:6642")
        // A list: the first usable remote; ssl: is TCP with TLS (oVirt's `ssl:ENGINE:6642`).
        let ssl = try OVNRemote.endpoint(parsing: "ssl:10.0.0.1:6642, unix:/x.sock")
        #expect(ssl.usesTLS && ssl.description == "ssl:10.0.0.1:6642")
        #expect(try OVNRemote.endpoint(parsing: "ssl:ovn.example:6642, unix:/x.sock").socketPath == "/x.sock")
        #expect(try OVNRemote.endpoint(parsing: "tcp:ovn.example:6642,tcp:10.0.0.2:6642").description == "tcp:10.0.0.2:6642")
        #expect(try !OVNRemote.endpoint(parsing: "tcp:10.0.0.1").usesTLS)
        for bad in [" ", "tcp:ovn.example:6642", "tcp:10.0.0.1:70000", "tcp:[::1", "tcp:10.0.0.1:0", "ssl:10.0.0.1:0"] {
            #expect(throws: OVSDBError.self, "\(bad)") { try OVNRemote.endpoint(parsing: bad) }
        }
    }

    @Test func aMissingPidFileMeansNotRunning() {
        let status = OVNControllerStatus.read(runDirectory: "/nonexistent-\(UInt32.random(in: 0...UInt32.max))")
        #expect(!status.running)
        #expect(status.connected == nil)
        #expect(status.error?.contains("no pid file") == true)
    }
}
