// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// Against a real, private ovsdb-server + ovs-vswitchd (userspace datapath).
@Suite(.enabled(if: OVSSandbox.isAvailable, "\(OVSSandbox.unavailableReason ?? "")"), .timeLimit(.minutes(1)))
struct OVSDBClientTests {
    static func connect(_ sandbox: OVSSandbox, timeout: Duration = .seconds(5)) throws(OVSDBError) -> OVSDBClient {
        try OVSDBClient(endpoint: OVSDBEndpoint(parsing: sandbox.remote), timeout: timeout)
    }

    @Test func listsDatabases() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        var client = try Self.connect(sandbox)
        let databases = try client.listDatabases()
        #expect(databases.contains("Open_vSwitch"))
        #expect(databases.contains("_Server"))
    }

    @Test func endpointFromOVSRunDirReachesTheSandbox() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        var client = try OVSDBClient(endpoint: .fromEnvironment(["OVS_RUNDIR": sandbox.directory]))
        #expect(try client.listDatabases().contains("Open_vSwitch"))
    }

    @Test func switchStateReportsANeutronLayoutExactly() throws {
        let sandbox = try OVSSandbox()
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let integration = "bi" + tag, tunnel = "bt" + tag, physical = "bp" + tag
        let physicalPort = "ip" + tag, vmPort = "tp" + tag, internalVM = "vi" + tag
        let intPatch = "ni" + tag, phyPatch = "np" + tag, vxlanPort = "vx" + tag
        let netUUID = "5d1e7c8a-0000-4000-8000-000000000001"
        try sandbox.vsctl(
            // ovs-ctl, not ovs-vswitchd, records the version; do what it does.
            "set", "Open_vSwitch", ".", "ovs_version=3.1.0-fabric", "external_ids:system-id=host-1", "external_ids:ovn-remote=ssl:10.0.0.1:6642",
            "--", "add-br", integration, "--", "set", "Bridge", integration, "datapath_type=netdev",
            "external_ids:bridge-id=\(integration)", "other_config:hwaddr=02:00:00:00:00:01",
            "--", "add-br", tunnel, "--", "set", "Bridge", tunnel, "datapath_type=netdev",
            "--", "add-br", physical, "--", "set", "Bridge", physical, "datapath_type=netdev",
            "--", "add-port", physical, physicalPort, "--", "set", "Interface", physicalPort, "type=internal",
            "--", "add-port", integration, intPatch, "--", "set", "Interface", intPatch, "type=patch",
            "options:peer=\(phyPatch)",
            "--", "add-port", physical, phyPatch, "--", "set", "Interface", phyPatch, "type=patch",
            "options:peer=\(intPatch)",
            "--", "add-port", integration, vmPort, "tag=7", "--", "set", "Interface", vmPort,
            "external_ids:iface-id=8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f", "external_ids:attached-mac=56:6f:1a:2b:00:07",
            "external_ids:vm-id=c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d", "external_ids:iface-status=active",
            "--", "set", "Port", vmPort, "other_config:net_uuid=\(netUUID)", "other_config:physical_network=physnet1",
            "other_config:segmentation_id=100", "other_config:tag=7", "other_config:network_type=vlan",
            "--", "add-port", integration, internalVM, "--", "set", "Interface", internalVM, "type=internal",
            // The Neutron OVS agent's tunnel to a peer: remote_ip, local_ip, key=flow, BFD when l2pop/bfd is on.
            "--", "add-port", tunnel, vxlanPort, "--", "set", "Interface", vxlanPort, "type=vxlan",
            "options:remote_ip=192.0.2.12", "options:local_ip=192.0.2.11", "options:key=flow", "options:in_key=flow",
            "options:out_key=flow", "bfd:enable=true")
        try sandbox.waitForSwitch()

        var client = try Self.connect(sandbox)
        let state = try client.switchState()

        #expect(state.externalIDs["system-id"] == "host-1")
        #expect(state.isControlledByOVN)
        #expect(state.ovsVersion == "3.1.0-fabric")
        #expect(state.bridges.map(\.name) == [integration, physical, tunnel].sorted())

        let brInt = try #require(state.bridges.first { $0.name == integration })
        #expect(brInt.datapathType == "netdev")
        #expect(brInt.externalIDs == ["bridge-id": integration])
        #expect(brInt.otherConfig == ["hwaddr": "02:00:00:00:00:01"])
        #expect(brInt.ports.map(\.name) == [integration, intPatch, vmPort, internalVM].sorted())

        let vm = try #require(brInt.ports.first { $0.name == vmPort })
        #expect(vm.tag == 7)
        #expect(vm.otherConfig == [
            "net_uuid": netUUID, "physical_network": "physnet1", "segmentation_id": "100", "tag": "7",
            "network_type": "vlan",
        ])
        let vmInterface = try #require(vm.interfaces.first)
        #expect(vm.interfaces.count == 1)
        #expect(vmInterface.type == "")
        // No such kernel device: vswitchd reports the failure as ofport -1.
        #expect(vmInterface.ofport == -1)
        #expect(vmInterface.externalIDs == [
            "iface-id": "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f", "attached-mac": "56:6f:1a:2b:00:07",
            "vm-id": "c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d", "iface-status": "active",
        ])

        let patch = try #require(brInt.ports.first { $0.name == intPatch }?.interfaces.first)
        #expect(patch.type == "patch")
        #expect(patch.options == ["peer": phyPatch])

        let internalPort = try #require(brInt.ports.first { $0.name == internalVM }?.interfaces.first)
        #expect(internalPort.type == "internal")
        #expect((internalPort.ofport ?? 0) > 0)
        #expect(internalPort.ifindex != nil)
        #expect(internalPort.mac != nil)

        let brPhys = try #require(state.bridges.first { $0.name == physical })
        #expect(brPhys.ports.map(\.name) == [physical, physicalPort, phyPatch].sorted())
        let brTun = try #require(state.bridges.first { $0.name == tunnel })
        #expect(brTun.ports.map(\.name) == [tunnel, vxlanPort].sorted())
        #expect(brTun.ports.first { $0.name == tunnel }?.interfaces.first?.ofport == 65534)
        let vxlan = try #require(brTun.ports.first { $0.name == vxlanPort }?.interfaces.first)
        #expect(vxlan.isTunnel && !(brTun.ports.first { $0.name == tunnel }?.interfaces.first?.isTunnel ?? true))
        #expect(vxlan.options["remote_ip"] == "192.0.2.12" && vxlan.options["key"] == "flow")
        #expect(vxlan.bfd == ["enable": "true"])
        // A BFD session without a peer never comes up; ovs-vswitchd says so in bfd_status and link_state.
        #expect(vxlan.bfdStatus["state"] != nil && vxlan.bfdStatus["state"] != "up")
        #expect(["up", "down"].contains(vxlan.linkState))
        // ovs-vswitchd fills datapath_types when it starts; the sandbox's supports the userspace datapath.
        #expect(state.datapathTypes.contains("netdev"))

        // Every interface matches what ovs-vsctl lists, column by column.
        let listed = try Self.listInterfaces(sandbox)
        let reported = state.bridges.flatMap(\.ports).flatMap(\.interfaces)
        #expect(reported.count == listed.count)
        for var interface in reported {
            let expected = try #require(listed[interface.uuid], "\(interface.name) not listed by ovs-vsctl")
            interface.bfdStatus = [:]  // changes as the session retries; the rest is stable
            #expect(interface == expected)
        }
        let portUUIDs = try sandbox.vsctl("--bare", "--columns=_uuid", "list", "Port")
            .split(separator: "\n").filter { !$0.isEmpty }.map(String.init)
        #expect(Set(state.bridges.flatMap(\.ports).map(\.uuid)) == Set(portUUIDs))
    }

    /// The files `ovs-vsctl set-ssl` records (what ovn-controller uses for an `ssl:` southbound), and none before.
    @Test func switchSSLFilesAreTheSSLRowsAndNoneWithoutOne() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        defer { sandbox.stop() }
        var client = try Self.connect(sandbox)
        #expect(try client.switchSSLFiles() == nil)
        try sandbox.vsctl("set-ssl", "/etc/pki/vdsm/keys/vdsmkey.pem", "/etc/pki/vdsm/certs/vdsmcert.pem", "/etc/pki/vdsm/certs/cacert.pem")
        #expect(try client.switchSSLFiles() == TLSFiles(
            privateKey: "/etc/pki/vdsm/keys/vdsmkey.pem", certificate: "/etc/pki/vdsm/certs/vdsmcert.pem",
            caCertificate: "/etc/pki/vdsm/certs/cacert.pem"))
        try sandbox.vsctl("del-ssl")
        #expect(try client.switchSSLFiles() == nil)
    }

    /// `ovs-vsctl --format=json list Interface`, decoded into the same value type.
    static func listInterfaces(_ sandbox: OVSSandbox) throws -> [String: SwitchState.Interface] {
        let columns = [
            "_uuid", "name", "type", "ofport", "ifindex", "mac_in_use", "external_ids", "options", "link_speed", "link_state",
            "admin_state", "bfd", "error",
        ]
        let text = try sandbox.vsctl(
            "--format=json", "--data=json", "--columns=" + columns.joined(separator: ","), "list", "Interface")
        let json = try JSONValue(parsing: text)
        let headings = (json["headings"]?.arrayValue ?? []).compactMap { $0.stringValue }
        #expect(headings.count == columns.count)
        var result: [String: SwitchState.Interface] = [:]
        let data = try #require(json["data"]?.arrayValue)
        for row in data {
            var columns: [String: OVSDBValue] = [:]
            let values = try #require(row.arrayValue)
            for (heading, value) in zip(headings, values) {
                columns[heading] = try OVSDBValue(json: value)
            }
            let uuid = try #require(columns["_uuid"]?.atoms.first?.uuidValue)
            result[uuid] = SwitchState.Interface(
                uuid: uuid, name: try #require(try columns["name"]?.optionalString()),
                type: try columns["type"]?.optionalString() ?? "",
                ofport: try columns["ofport"]?.optionalInteger().map { Int($0) },
                ifindex: try columns["ifindex"]?.optionalInteger().map { Int($0) },
                mac: try columns["mac_in_use"]?.optionalString(),
                externalIDs: try columns["external_ids"]?.stringMap() ?? [:],
                options: try columns["options"]?.stringMap() ?? [:],
                linkSpeed: try columns["link_speed"]?.optionalInteger().map { Int($0) },
                linkState: try columns["link_state"]?.optionalString(),
                adminState: try columns["admin_state"]?.optionalString(),
                bfd: try columns["bfd"]?.stringMap() ?? [:],
                error: try columns["error"]?.optionalString())
        }
        return result
    }

    @Test func plugPortTwiceLeavesOnePortWithTheGivenExternalIDs() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bi"), other = OVSSandbox.uniqueName("bo"), tap = OVSSandbox.uniqueName("tap")
        try sandbox.vsctl("add-br", bridge, "--", "add-br", other)
        var client = try Self.connect(sandbox)

        try client.plugPort(bridge: other, port: tap, externalIDs: ["iface-id": "old", "stale": "x"])
        let first: [String: String] = [
            "iface-id": "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f", "attached-mac": "56:6f:1a:2b:00:07",
            "vm-id": "c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d", "iface-status": "active",
        ]
        try client.plugPort(bridge: bridge, port: tap, externalIDs: first)
        try client.plugPort(bridge: bridge, port: tap, externalIDs: first)

        #expect(try sandbox.vsctl("list-ports", bridge) == "\(tap)\n")
        #expect(try sandbox.vsctl("list-ports", other) == "")
        #expect(try sandbox.vsctl("--bare", "--columns=name", "find", "Port", "name=\(tap)") == "\(tap)\n")
        #expect(try sandbox.vsctl("--bare", "--columns=name", "find", "Interface", "name=\(tap)") == "\(tap)\n")
        for (key, value) in first {
            #expect(try sandbox.vsctl("get", "Interface", tap, "external_ids:\(key)") == "\"\(value)\"\n"
                || sandbox.vsctl("get", "Interface", tap, "external_ids:\(key)") == "\(value)\n")
        }
        #expect(try sandbox.vsctl("get", "Interface", tap, "external_ids") .contains("stale") == false)

        try client.plugPort(bridge: bridge, port: tap, interfaceType: "internal", externalIDs: [:])
        #expect(try sandbox.vsctl("get", "Interface", tap, "type") == "internal\n")
        #expect(try sandbox.vsctl("get", "Interface", tap, "external_ids") == "{}\n")
        try client.unplugPort(name: tap)
    }

    @Test func plugOntoAMissingBridgeThrowsAndKeepsTheOldPort() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bi"), tap = OVSSandbox.uniqueName("tap")
        try sandbox.vsctl("add-br", bridge, "--", "add-port", bridge, tap)
        var client = try Self.connect(sandbox)
        #expect(throws: OVSDBError.self) {
            try client.plugPort(bridge: "no-such-br", port: tap, externalIDs: [:])
        }
        do {
            try client.plugPort(bridge: "no-such-br", port: tap, externalIDs: [:])
        } catch {
            #expect(error.kind == .bridgeNotFound)
            #expect(error.description == #"Open vSwitch bridge "no-such-br" does not exist"#)
        }
        #expect(try sandbox.vsctl("list-ports", bridge) == "\(tap)\n")
    }

    @Test func unplugRemovesThePortAndIsIdempotent() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bi"), tap = OVSSandbox.uniqueName("tap")
        try sandbox.vsctl("add-br", bridge, "--", "add-port", bridge, tap)
        var client = try Self.connect(sandbox)
        #expect(try client.unplugPort(name: tap))
        #expect(try sandbox.vsctl("list-ports", bridge) == "")
        #expect(try sandbox.vsctl("--bare", "--columns=name", "list", "Interface").contains(tap) == false)
        #expect(try client.unplugPort(name: tap) == false)
    }

    @Test func setInterfaceExternalIDsMergesKeys() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bi"), tap = OVSSandbox.uniqueName("tap")
        try sandbox.vsctl(
            "add-br", bridge, "--", "add-port", bridge, tap, "--", "set", "Interface", tap,
            "external_ids:iface-id=abc", "external_ids:iface-status=inactive")
        var client = try Self.connect(sandbox)
        try client.setInterfaceExternalIDs(
            interface: tap, externalIDs: ["iface-status": "active", "vm-id": "c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d"])
        let state = try client.switchState()
        let interface = try #require(state.bridges.first?.ports.first { $0.name == tap }?.interfaces.first)
        #expect(interface.externalIDs == [
            "iface-id": "abc", "iface-status": "active", "vm-id": "c3d2e1f0-1111-4a2b-8c3d-5e6f7a8b9c0d",
        ])
        #expect(throws: OVSDBError.self) {
            try client.setInterfaceExternalIDs(interface: "no-such-if", externalIDs: ["a": "b"])
        }
    }

    @Test func transactSurfacesPerOperationErrors() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        var client = try Self.connect(sandbox)
        do {
            _ = try client.transact(operations: [
                ["op": "select", "table": "Bridge", "where": []],
                ["op": "select", "table": "NoSuchTable", "where": []],
            ])
            Issue.record("transact on an unknown table succeeded")
        } catch {
            #expect(error.kind == .operationFailed)
            #expect(error.description.hasPrefix("Open vSwitch transaction failed at operation 2 (select): "))
        }
        do {
            _ = try client.call(method: "no_such_method", params: [])
            Issue.record("an unknown method succeeded")
        } catch {
            #expect(error.kind == .serverError)
        }
        // The connection stays usable after server-side errors.
        #expect(try client.listDatabases().contains("Open_vSwitch"))
    }

    @Test func stoppedServerIsNotReachable() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        sandbox.stopDatabase()
        do {
            _ = try Self.connect(sandbox)
            Issue.record("connected to a stopped server")
        } catch {
            #expect(error.kind == .unreachable)
            #expect(error.description == "Open vSwitch database is not reachable at \(sandbox.remote): No such file or directory")
        }
    }

    @Test func connectionDroppedMidSessionIsReported() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        var client = try Self.connect(sandbox)
        _ = try client.listDatabases()
        sandbox.stopDatabase()
        #expect(throws: OVSDBError.self) { try client.listDatabases() }
    }

    @Test func monitorDeliversInitialStateAndUpdates() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let first = OVSSandbox.uniqueName("ba"), second = OVSSandbox.uniqueName("bb")
        try sandbox.vsctl("add-br", first)
        var client = try Self.connect(sandbox)
        var states: [SwitchState] = []
        let started = ContinuousClock.now
        try client.monitor(isCancelled: { ContinuousClock.now - started > .seconds(20) }) { state in
            states.append(state)
            if states.count == 1 {
                _ = try? sandbox.vsctl("add-br", second, "--", "set", "Bridge", second, "external_ids:k=v")
            }
            return !state.bridges.contains { $0.name == second }
        }
        #expect(states.first?.bridges.map(\.name) == [first])
        let last = try #require(states.last)
        #expect(last.bridges.map(\.name) == [first, second].sorted())
        #expect(last.bridges.first { $0.name == second }?.externalIDs == ["k": "v"])
        #expect(last.bridges.first { $0.name == second }?.ports.map(\.name) == [second])
        // The monitored state equals a fresh read.
        var reader = try Self.connect(sandbox)
        #expect(try reader.switchState() == last)
    }
}

/// Deadlines and the JSON-RPC details a real server rarely shows on demand, against a real unix
/// socket this test listens on.
@Suite struct OVSDBClientSocketTests {
    /// A listening unix socket in a temp folder, closed and removed in `deinit`.
    final class Listener {
        let path: String
        let fd: Int32

        init() throws {
            path = "/tmp/ovsdb-test-\(UInt32.random(in: 0...UInt32.max)).sock"
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(path.utf8) + [0])
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(bound == 0 && listen(fd, 4) == 0)
        }

        deinit {
            close(fd)
            unlink(path)
        }
    }

    @Test func aServerThatNeverAnswersTimesOutWithinTheDeadline() throws {
        let listener = try Listener()
        // Connecting succeeds through the listen backlog even though nobody accepts.
        var client = try OVSDBClient(endpoint: OVSDBEndpoint(socketPath: listener.path), timeout: .milliseconds(300))
        let started = ContinuousClock.now
        do {
            _ = try client.listDatabases()
            Issue.record("a silent server answered")
        } catch {
            #expect(error.kind == .timedOut)
            #expect(error.description == "Open vSwitch database at unix:\(listener.path) did not answer list_dbs within 0.3 seconds")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(2))
    }

    @Test func answersEchoAndSkipsStaleRepliesWhileWaiting() throws {
        let listener = try Listener()
        let serverFD = listener.fd
        let received = LockedBytes()
        let server = Thread {
            let connection = accept(serverFD, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            func write(_ text: String) { _ = text.utf8CString.withUnsafeBufferPointer { send(connection, $0.baseAddress, $0.count - 1, 0) } }
            // Split one message across two writes, glue the next ones together.
            write(#"{"method":"echo","params":["ping"],"#)
            usleep(20_000)
            write(#""id":"echo"}{"id":99,"result":["stale"],"error":null}"#)
            var buffer = [UInt8](repeating: 0, count: 4096)
            var seen: [UInt8] = []
            // The client sends its request first and answers the echo when it reads it.
            while !(String(decoding: seen, as: UTF8.self).contains("list_dbs")
                && String(decoding: seen, as: UTF8.self).contains(#""id":"echo""#))
            {
                let n = recv(connection, &buffer, buffer.count, 0)
                if n <= 0 { return }
                seen += buffer[0..<n]
            }
            received.set(seen)
            write(#"{"id":1,"result":["Open_vSwitch"],"error":null}"#)
            usleep(200_000)
        }
        server.start()
        var client = try OVSDBClient(endpoint: OVSDBEndpoint(socketPath: listener.path), timeout: .seconds(5))
        #expect(try client.listDatabases() == ["Open_vSwitch"])
        let sent = String(decoding: received.get(), as: UTF8.self)
        #expect(sent.contains(#"{"result":["ping"],"error":null,"id":"echo"}"#))
        #expect(sent.contains(#""method":"list_dbs""#))
    }

    @Test func errorDescriptionsNameTheEndpoint() throws {
        do {
            _ = try OVSDBClient(endpoint: OVSDBEndpoint(socketPath: "/nonexistent/db.sock"))
            Issue.record("connected to a missing socket")
        } catch {
            #expect(error == OVSDBError(
                kind: .unreachable,
                description: "Open vSwitch database is not reachable at unix:/nonexistent/db.sock: No such file or directory"))
        }
    }
}

final class LockedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func set(_ value: [UInt8]) { lock.withLock { bytes = value } }
    func get() -> [UInt8] { lock.withLock { bytes } }
}
