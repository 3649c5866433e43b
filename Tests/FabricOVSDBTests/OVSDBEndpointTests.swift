// SPDX-License-Identifier: Apache-2.0

import FabricOVSDB
import Testing

@Suite struct OVSDBEndpointTests {
    @Test func parsesUnixPaths() throws {
        let endpoint = try OVSDBEndpoint(parsing: "unix:/var/run/openvswitch/db.sock")
        #expect(endpoint.socketPath == "/var/run/openvswitch/db.sock")
        #expect(endpoint.description == "unix:/var/run/openvswitch/db.sock")
    }

    @Test(arguments: [
        ("tcp:127.0.0.1:6640", #"invalid Open vSwitch database endpoint "tcp:127.0.0.1:6640": only unix:PATH is supported, not tcp:"#),
        ("ssl:10.0.0.1:6642", #"invalid Open vSwitch database endpoint "ssl:10.0.0.1:6642": only unix:PATH is supported, not ssl:"#),
        ("/run/openvswitch/db.sock", #"invalid Open vSwitch database endpoint "/run/openvswitch/db.sock": expected unix:PATH"#),
        ("garbage", #"invalid Open vSwitch database endpoint "garbage": expected unix:PATH"#),
        ("unix:", #"invalid Open vSwitch database endpoint "unix:": the socket path is empty"#),
    ])
    func rejectsOtherRemotes(value: String, message: String) {
        #expect(throws: OVSDBError(kind: .invalidEndpoint, description: message)) { try OVSDBEndpoint(parsing: value) }
    }

    @Test func rejectsPathsTooLongForSockaddr() {
        #expect(throws: OVSDBError.self) { try OVSDBEndpoint(parsing: "unix:/" + String(repeating: "d", count: 120)) }
    }

    @Test func honoursOVSRunDir() {
        #expect(OVSDBEndpoint.fromEnvironment(["OVS_RUNDIR": "/tmp/ovs"]).socketPath == "/tmp/ovs/db.sock")
        #expect(OVSDBEndpoint.fromEnvironment(["OVS_RUNDIR": "/tmp/ovs/"]).socketPath == "/tmp/ovs/db.sock")
        #expect(OVSDBEndpoint.fromEnvironment(["OVS_RUNDIR": ""]).socketPath == "/run/openvswitch/db.sock")
        #expect(OVSDBEndpoint.fromEnvironment([:]).socketPath == "/run/openvswitch/db.sock")
    }
}
