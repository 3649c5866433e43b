// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// Faults injected between the client and a real `ovsdb-server` (``OVSDBFaultProxy``): a reply that
/// stops halfway, a connection closed in the middle of a transaction, garbage, a 100 MB reply. Every
/// call must end within its deadline (plus ``margin``) with an error that says what happened, and
/// nothing the server committed may be lost. Measured figures are printed as `fault figure:` lines
/// (docs/RELIABILITY.md quotes them).
@Suite(.enabled(if: OVSSandbox.isAvailable, "\(OVSSandbox.unavailableReason ?? "")"), .timeLimit(.minutes(2)))
struct OVSDBFaultTests {
    static let timeout: Duration = .seconds(1)
    /// What a deadline may be overshot by: one poll wake-up and the scheduling of a loaded CI machine.
    static let margin: Duration = .milliseconds(500)

    // MARK: - A reply that stops halfway

    /// Every public call, each stalled at the reply that ends it.
    enum StalledCall: String, CaseIterable, Sendable {
        case listDatabases, transact, switchState, plugPortCommit, unplugPortRead, setInterfaceExternalIDs, monitor

        var trigger: OVSDBFaultProxy.Trigger {
            switch self {
            case .listDatabases: .reply(to: "list_dbs")
            case .transact, .switchState, .unplugPortRead, .setInterfaceExternalIDs: .reply(to: "transact")
            // The read passes; the commit's reply is the one that stalls.
            case .plugPortCommit: .reply(to: "transact", occurrence: 2)
            case .monitor: .reply(to: "monitor")
            }
        }

        func run(_ client: inout OVSDBClient, bridge: String) throws(OVSDBError) {
            switch self {
            case .listDatabases: _ = try client.listDatabases()
            case .transact: _ = try client.transact(operations: [["op": "select", "table": "Bridge", "where": []]])
            case .switchState: _ = try client.switchState()
            case .plugPortCommit: try client.plugPort(bridge: bridge, port: "tap-stalled", externalIDs: ["iface-id": "x"])
            case .unplugPortRead: _ = try client.unplugPort(name: "tap-stalled")
            case .setInterfaceExternalIDs: try client.setInterfaceExternalIDs(interface: bridge, externalIDs: ["k": "v"])
            case .monitor: try client.monitor { _ in false }
            }
        }
    }

    @Test(arguments: StalledCall.allCases)
    func aReplyStalledHalfwayTimesOutWithinTheDeadline(call: StalledCall) throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bs")
        try sandbox.vsctl("add-br", bridge)
        let proxy = try OVSDBFaultProxy(upstream: sandbox.socketPath, trigger: call.trigger, fault: .stallHalfway)
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        let started = ContinuousClock.now
        do {
            try call.run(&client, bridge: bridge)
            Issue.record("\(call) succeeded through a stalled reply")
        } catch {
            #expect(error.kind == .timedOut)
            #expect(error.description.hasPrefix("Open vSwitch database at unix:\(proxy.path) did not answer "))
            #expect(error.description.hasSuffix(" within 1.0 seconds"))
        }
        let elapsed = ContinuousClock.now - started
        #expect(proxy.faultsInjected == 1)
        #expect(elapsed >= Self.timeout)
        #expect(elapsed < Self.timeout + Self.margin, "\(call) took \(elapsed)")
        FaultFigure.record("stalled reply to \(call): failed after \(elapsed)")

        if call == .plugPortCommit {
            // The server committed before its reply stalled: the port is there once, and plugging
            // again (what a caller does after an error) leaves it there once.
            #expect(try sandbox.vsctl("list-ports", bridge) == "tap-stalled\n")
            var direct = try OVSDBClient(endpoint: OVSDBEndpoint(parsing: sandbox.remote))
            try direct.plugPort(bridge: bridge, port: "tap-stalled", externalIDs: ["iface-id": "x"])
            #expect(try sandbox.vsctl("list-ports", bridge) == "tap-stalled\n")
        }
    }

    /// A server that answers every transaction, but each after 60 % of the timeout: a plug (a read,
    /// then a commit) must still end at its deadline, not after two nearly full timeouts.
    @Test func aSlowServerCannotStretchAPlugPastItsDeadline() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bs")
        try sandbox.vsctl("add-br", bridge)
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .everyReply(to: "transact"), fault: .delay(Self.timeout * 0.6))
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        let started = ContinuousClock.now
        do {
            try client.plugPort(bridge: bridge, port: "tap-slow", externalIDs: [:])
            Issue.record("the plug took two replies of 0.6 s each and still succeeded")
        } catch {
            #expect(error.kind == .timedOut)
            #expect(error.description == "Open vSwitch database at unix:\(proxy.path) did not answer transact within 1.0 seconds")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= Self.timeout)
        #expect(elapsed < Self.timeout + Self.margin, "plugPort took \(elapsed)")
        FaultFigure.record("slow server (each transact reply 0.6 s late), plugPort with 1 s: failed after \(elapsed)")
        // The commit was sent before the deadline, so it may or may not have landed; never twice.
        #expect(["", "tap-slow\n"].contains(try sandbox.vsctl("list-ports", bridge)))
    }

    // MARK: - A connection closed in the middle of a transaction

    @Test func aConnectionClosedWhenTheCommitIsSentLosesNothing() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bc")
        try sandbox.vsctl("add-br", bridge)
        // The read passes; the commit request is swallowed and the connection closed.
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .request("transact", occurrence: 2), fault: .close(sendingHalf: false))
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        let started = ContinuousClock.now
        do {
            try client.plugPort(bridge: bridge, port: "tap-closed", externalIDs: ["iface-id": "y"])
            Issue.record("the plug succeeded on a closed connection")
        } catch {
            #expect(error.kind == .connectionClosed)
            #expect(error.description
                == "connection to Open vSwitch database at unix:\(proxy.path) failed: the server closed the connection")
        }
        let elapsed = ContinuousClock.now - started
        #expect(proxy.faultsInjected == 1)
        #expect(elapsed < Self.margin, "took \(elapsed)")
        FaultFigure.record("connection closed on the commit request: connectionClosed after \(elapsed)")
        // Later calls on the broken connection fail at once with the same error.
        #expect(throws: OVSDBError.self) { try client.listDatabases() }
        // Nothing was committed; plugging again through a new connection plugs once.
        #expect(try sandbox.vsctl("list-ports", bridge) == "")
        var retry = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        try retry.plugPort(bridge: bridge, port: "tap-closed", externalIDs: ["iface-id": "y"])
        #expect(try sandbox.vsctl("list-ports", bridge) == "tap-closed\n")
    }

    @Test(arguments: [true, false])
    func aConnectionClosedInTheCommitsReplyLosesNothing(sendingHalf: Bool) throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("bc")
        try sandbox.vsctl("add-br", bridge)
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .reply(to: "transact", occurrence: 2),
            fault: .close(sendingHalf: sendingHalf))
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        let started = ContinuousClock.now
        do {
            try client.plugPort(bridge: bridge, port: "tap-closed", externalIDs: ["iface-id": "z"])
            Issue.record("the plug succeeded on a closed connection")
        } catch {
            #expect(error.kind == .connectionClosed)
        }
        let elapsed = ContinuousClock.now - started
        #expect(proxy.faultsInjected == 1)
        #expect(elapsed < Self.margin, "took \(elapsed)")
        FaultFigure.record("connection closed in the commit's reply (half sent: \(sendingHalf)): connectionClosed after \(elapsed)")
        // The server had committed: the port is there once, and a retry keeps it there once.
        #expect(try sandbox.vsctl("list-ports", bridge) == "tap-closed\n")
        var retry = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        try retry.plugPort(bridge: bridge, port: "tap-closed", externalIDs: ["iface-id": "z"])
        #expect(try sandbox.vsctl("list-ports", bridge) == "tap-closed\n")
        #expect(try sandbox.vsctl("get", "Interface", "tap-closed", "external_ids:iface-id") == "z\n")
    }

    // MARK: - Garbage

    /// What a confused or hostile peer might send instead of a reply.
    enum Garbage: String, CaseIterable, Sendable {
        case text, binary, hundredThousandBrackets, bracketsClosed, millionDigitNumber, invalidUTF8InString
        case invalidUTF8Outside, nulInString, notAnObject

        var bytes: [UInt8] {
            switch self {
            case .text: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
            case .binary: (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
            case .hundredThousandBrackets: [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
            case .bracketsClosed:
                [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
            case .millionDigitNumber:
                Array(#"{"id":1,"result":"#.utf8) + [UInt8](repeating: UInt8(ascii: "7"), count: 1_000_000)
                    + Array(#","error":null}"#.utf8)
            case .invalidUTF8InString: Array(#"{"id":1,"result":[""#.utf8) + [0xFF, 0xFE, 0xC0, 0xAF] + Array(#""],"error":null}"#.utf8)
            case .invalidUTF8Outside: [0xC3, 0x28, 0xA0, 0xA1] + Array(#"{"id":1}"#.utf8)
            case .nulInString: Array(#"{"id":1,"result":["a"#.utf8) + [0] + Array(#"b"],"error":null}"#.utf8)
            case .notAnObject: Array("[1,2,3]".utf8)
            }
        }
    }

    @Test(arguments: Garbage.allCases)
    func garbageInAReplyFailsTheCallAtOnce(garbage: Garbage) throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .reply(to: "list_dbs"), fault: .garbage(garbage.bytes))
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        let started = ContinuousClock.now
        var firstError: OVSDBError?
        do {
            _ = try client.listDatabases()
            Issue.record("garbage was accepted as a reply")
        } catch {
            firstError = error
            #expect(error.kind == .protocolViolation)
            #expect(error.description.hasPrefix("Open vSwitch database protocol error: "))
        }
        let elapsed = ContinuousClock.now - started
        #expect(proxy.faultsInjected == 1)
        // Refused as soon as it is read, not when the deadline passes.
        #expect(elapsed < Self.margin, "took \(elapsed)")
        FaultFigure.record("garbage \(garbage) (\(garbage.bytes.count) bytes): \(firstError?.description ?? "none") after \(elapsed)")
        // The stream cannot be trusted afterwards: every later call fails at once with the same error.
        do {
            _ = try client.listDatabases()
            Issue.record("a call succeeded after garbage")
        } catch {
            #expect(error == firstError)
        }
    }

    // MARK: - A 100 MB reply

    static let hundredMegabytes = 100_000_000

    @Test func aHundredMegabyteReplyFailsAtTheSizeLimit() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .reply(to: "list_dbs"),
            fault: .flood(prefix: Array(#"{"id":1,"result":[""#.utf8), filler: Array("a".utf8), totalBytes: Self.hundredMegabytes))
        // Generous: a debug build scans the bytes slowly; the point here is the size limit.
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: .seconds(30))
        let started = ContinuousClock.now
        do {
            _ = try client.listDatabases()
            Issue.record("a 100 MB reply was accepted")
        } catch {
            #expect(error.kind == .messageTooLarge)
            #expect(error.description
                == "Open vSwitch database protocol error: message larger than \(JSONStreamFramer.defaultMaximumMessageSize) bytes")
        }
        let elapsed = ContinuousClock.now - started
        // The client stopped reading at the limit: the rest of the 100 MB was never taken in.
        let sent = proxy.bytesSentToClients
        #expect(sent < JSONStreamFramer.defaultMaximumMessageSize + 8 << 20)
        FaultFigure.record("100 MB reply to list_dbs: messageTooLarge after \(elapsed), proxy could send \(sent) bytes")
    }

    /// The same 100 MB reply to a real fabric process (`fabric-agent show`, whose switch read is one
    /// `transact`): it prints the table with the database's error, and its peak memory grows by no more
    /// than the size limit (plus slack) over the same command against a well-behaved server.
    @Test(
        .enabled(if: BuiltProducts.path("fabric-agent") != nil, "fabric-agent is not built"),
        .enabled(if: PeakMemoryRun.isAvailable, "\(PeakMemoryRun.timeTool) is missing (apt-get install time)"),
        .disabled(if: TestSanitizer.name != nil, "it measures peak memory, mostly the sanitizer's own under one"))
    func aHundredMegabyteReplyKeepsAFabricProcessMemoryBounded() throws {
        let agent = try #require(BuiltProducts.path("fabric-agent"))
        let sandbox = try OVSSandbox(startSwitch: false)
        let clean = try OVSDBFaultProxy(upstream: sandbox.socketPath, trigger: .reply(to: "none"), fault: .stallHalfway)
        let flooding = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .reply(to: "transact"),
            fault: .flood(prefix: Array(#"{"id":1,"result":[{"rows":[""#.utf8), filler: Array("a".utf8), totalBytes: Self.hundredMegabytes))
        func show(_ proxy: OVSDBFaultProxy) throws -> PeakMemoryRun {
            try PeakMemoryRun([agent, "show", "--json", "--no-rates", "--ovsdb", "unix:" + proxy.path, "--ovsdb-timeout", "30"])
        }
        let baseline = try show(clean)
        let flooded = try show(flooding)
        #expect(baseline.exitStatus == 0 && flooded.exitStatus == 0)
        #expect(baseline.standardOutput.contains(#""reachable" : true"#))
        #expect(flooded.standardOutput.contains(#""reachable" : false"#))
        #expect(flooded.standardOutput.contains("message larger than \(JSONStreamFramer.defaultMaximumMessageSize) bytes"))
        let growthMiB = flooded.peakMiB - baseline.peakMiB
        let limitMiB = Double(JSONStreamFramer.defaultMaximumMessageSize) / 1_048_576
        #expect(growthMiB < limitMiB + 8, "peak \(flooded.peakMiB) MiB against \(baseline.peakMiB) MiB")
        FaultFigure.record(String(format: "100 MB reply to fabric-agent show: peak RSS %.1f MiB against %.1f MiB clean (growth %.1f MiB, limit %.0f MiB)",
            flooded.peakMiB, baseline.peakMiB, growthMiB, limitMiB))
    }

    /// The costliest reply under the limit: one array of `0`s, the smallest JSON value, filling the
    /// whole limit. It is taken in and parsed; what that costs at its peak is bounded by the limit.
    @Test(
        .enabled(if: BuiltProducts.path("fabric-agent") != nil, "fabric-agent is not built"),
        .enabled(if: PeakMemoryRun.isAvailable, "\(PeakMemoryRun.timeTool) is missing (apt-get install time)"),
        .disabled(if: TestSanitizer.name != nil, "it measures peak memory, mostly the sanitizer's own under one"))
    func aReplyOfTinyValuesUpToTheLimitKeepsAFabricProcessMemoryBounded() throws {
        let agent = try #require(BuiltProducts.path("fabric-agent"))
        let sandbox = try OVSSandbox(startSwitch: false)
        let clean = try OVSDBFaultProxy(upstream: sandbox.socketPath, trigger: .reply(to: "none"), fault: .stallHalfway)
        let limit = JSONStreamFramer.defaultMaximumMessageSize
        let dense = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .reply(to: "transact"),
            fault: .flood(
                prefix: Array(#"{"id":1,"result":["#.utf8), filler: Array("0,".utf8), suffix: Array(#"0],"error":null}"#.utf8),
                totalBytes: limit))
        func show(_ proxy: OVSDBFaultProxy) throws -> PeakMemoryRun {
            try PeakMemoryRun([agent, "show", "--json", "--no-rates", "--ovsdb", "unix:" + proxy.path, "--ovsdb-timeout", "30"])
        }
        let baseline = try show(clean)
        let started = ContinuousClock.now
        let flooded = try show(dense)
        let elapsed = ContinuousClock.now - started
        // A well-formed reply of the wrong shape: refused after parsing, with the table still printed.
        #expect(flooded.exitStatus == 0)
        #expect(flooded.standardOutput.contains(#""reachable" : false"#))
        #expect(flooded.standardOutput.contains("Open vSwitch database protocol error"))
        let growthMiB = flooded.peakMiB - baseline.peakMiB
        let limitMiB = Double(limit) / 1_048_576
        FaultFigure.record(String(format: "reply of %.0f MiB of 0s (%d values) to fabric-agent show: peak RSS %.1f MiB against %.1f MiB clean (growth %.1f MiB = %.1f × the limit), %@",
            limitMiB, limit / 2, flooded.peakMiB, baseline.peakMiB, growthMiB, growthMiB / limitMiB, "\(elapsed)"))
        #expect(growthMiB < 20 * limitMiB)
    }

    // MARK: - The monitor

    /// A monitor whose first `update` stalls halfway: the echo probe finds out, and the monitor fails
    /// with a timeout; reconnecting gives the state the update was about (nothing lost).
    @Test func aMonitorUpdateStalledHalfwayFailsAndReconnectingLosesNothing() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let first = OVSSandbox.uniqueName("ma"), second = OVSSandbox.uniqueName("mb")
        try sandbox.vsctl("add-br", first)
        let proxy = try OVSDBFaultProxy(upstream: sandbox.socketPath, trigger: .notification("update"), fault: .stallHalfway)
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        let probeInterval: Duration = .milliseconds(300)
        var changed: ContinuousClock.Instant?
        var updates = 0
        do {
            try client.monitor(probeInterval: probeInterval) { _ in
                updates += 1
                if changed == nil {
                    _ = try? sandbox.vsctl("add-br", second)
                    changed = .now
                }
                return updates < 10
            }
            Issue.record("the monitor ended without an error")
        } catch {
            #expect(error.kind == .timedOut)
            #expect(error.description
                == "Open vSwitch database at unix:\(proxy.path) did not answer the monitor's echo probe within 1.0 seconds")
        }
        let elapsed = ContinuousClock.now - (changed ?? .now)
        #expect(updates == 1)
        #expect(proxy.faultsInjected == 1)
        #expect(elapsed < probeInterval + Self.timeout + Self.margin, "noticed after \(elapsed)")
        FaultFigure.record("monitor update stalled halfway: timedOut \(elapsed) after the change (probe 0.3 s + timeout 1 s)")

        var reconnected = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        var state: SwitchState?
        try reconnected.monitor { state = $0; return false }
        #expect(state?.bridges.map(\.name) == [first, second].sorted())
    }

    /// A switch that is merely quiet is probed, answers, and is followed on.
    @Test func aQuietSwitchIsProbedAndFollowed() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let bridge = OVSSandbox.uniqueName("mq")
        var client = try OVSDBClient(endpoint: OVSDBEndpoint(parsing: sandbox.remote), timeout: Self.timeout)
        let started = ContinuousClock.now
        var states: [SwitchState] = []
        try client.monitor(probeInterval: .milliseconds(100)) { state in
            states.append(state)
            if states.count == 1 {
                // Several probes' worth of silence, then a change.
                Thread.sleep(forTimeInterval: 0.05)
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.6) { _ = try? sandbox.vsctl("add-br", bridge) }
            }
            return !state.bridges.contains { $0.name == bridge } && ContinuousClock.now - started < .seconds(10)
        }
        #expect(states.last?.bridges.map(\.name) == [bridge])
    }

    @Test(arguments: [Garbage.binary, .hundredThousandBrackets, .invalidUTF8InString, .millionDigitNumber])
    func garbageInAMonitorUpdateFailsTheMonitorAtOnce(garbage: Garbage) throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .notification("update"), fault: .garbage(garbage.bytes))
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: Self.timeout)
        var changed: ContinuousClock.Instant?
        do {
            try client.monitor { _ in
                if changed == nil {
                    _ = try? sandbox.vsctl("add-br", OVSSandbox.uniqueName("mg"))
                    changed = .now
                }
                return true
            }
            Issue.record("the monitor ended without an error")
        } catch {
            #expect(error.kind == .protocolViolation)
        }
        let elapsed = ContinuousClock.now - (changed ?? .now)
        #expect(proxy.faultsInjected == 1)
        #expect(elapsed < Self.margin, "noticed after \(elapsed)")
        FaultFigure.record("monitor update replaced by garbage \(garbage): protocolViolation \(elapsed) after the change")
    }

    @Test func aHundredMegabyteMonitorUpdateFailsAtTheSizeLimit() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .notification("update"),
            fault: .flood(
                prefix: Array(#"{"id":null,"method":"update","params":["fabric-switch",{"Bridge":{"x":{"new":{"name":""#.utf8),
                filler: Array("b".utf8), totalBytes: Self.hundredMegabytes))
        var client = try OVSDBClient(endpoint: proxy.endpoint, timeout: .seconds(30))
        var changed = false
        do {
            try client.monitor(probeInterval: .seconds(30)) { _ in
                if !changed {
                    _ = try? sandbox.vsctl("add-br", OVSSandbox.uniqueName("mh"))
                    changed = true
                }
                return true
            }
            Issue.record("the monitor ended without an error")
        } catch {
            #expect(error.kind == .messageTooLarge)
        }
        #expect(proxy.faultsInjected == 1)
        #expect(proxy.bytesSentToClients < JSONStreamFramer.defaultMaximumMessageSize + 8 << 20)
        FaultFigure.record("100 MB monitor update: messageTooLarge, proxy could send \(proxy.bytesSentToClients) bytes")
    }
}
