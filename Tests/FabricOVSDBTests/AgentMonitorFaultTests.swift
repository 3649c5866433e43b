// SPDX-License-Identifier: Apache-2.0

import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// The agent's monitor meeting a 100 MB `update`, end to end: the built `fabric-agent serve` follows
/// the database through ``OVSDBFaultProxy``; its monitor must fail at the size limit, the agent must
/// say so and reconnect, and its peak memory (VmHWM) must grow by no more than the limit.
@Suite(
    .enabled(if: OVSSandbox.isAvailable, "\(OVSSandbox.unavailableReason ?? "")"),
    .enabled(if: BuiltProducts.path("fabric-agent") != nil, "fabric-agent is not built"),
    .timeLimit(.minutes(2)))
struct AgentMonitorFaultTests {
    @Test func aHundredMegabyteUpdateMakesTheAgentReconnectWithBoundedMemory() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        try sandbox.vsctl("add-br", OVSSandbox.uniqueName("ua"))
        let proxy = try OVSDBFaultProxy(
            upstream: sandbox.socketPath, trigger: .notification("update"),
            fault: .flood(
                prefix: Array(#"{"id":null,"method":"update","params":["fabric-switch",{"Bridge":{"x":{"new":{"name":""#.utf8),
                filler: Array("u".utf8), totalBytes: OVSDBFaultTests.hundredMegabytes))
        let directory = "/tmp/fabric-fault-agent-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stderrPath = directory + "/agent.stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)

        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: try #require(BuiltProducts.path("fabric-agent")))
        agent.arguments = [
            "serve", "--listen", "unix:\(directory)/agent.sock", "--ready-file", directory + "/ready",
            "--sample-interval", "3600", "--ovsdb", "unix:" + proxy.path, "--ovsdb-timeout", "1", "--log-level", "info",
        ]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FABRIC_") && $0.key != "NOTIFY_SOCKET" }
        environment["FABRIC_CONFIG"] = "/dev/null"
        agent.environment = environment
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle(forWritingAtPath: stderrPath)
        try agent.run()
        defer {
            if agent.isRunning {
                agent.terminate()
                agent.waitUntilExit()
            }
        }
        func log() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
        func eventually(_ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if condition() { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }
        #expect(eventually { log().contains("connected to the OVS database") }, "\(log())")
        let peakBefore = try #require(Self.statusKiB("VmHWM", of: agent.processIdentifier))

        // A change makes the server send an update, which the proxy turns into 100 MB.
        try sandbox.vsctl("add-br", OVSSandbox.uniqueName("ub"))
        #expect(eventually { proxy.connections >= 2 && log().components(separatedBy: "connected to the OVS database").count >= 3 },
            "the agent did not reconnect: \(log())")
        let peakAfter = try #require(Self.statusKiB("VmHWM", of: agent.processIdentifier))
        // Not asserted: whether the allocator gives the freed buffer back to the kernel is its business.
        let residentAfter = Self.statusKiB("VmRSS", of: agent.processIdentifier) ?? 0
        #expect(agent.isRunning)
        #expect(proxy.faultsInjected == 1)
        #expect(log().contains("message larger than \(JSONStreamFramer.defaultMaximumMessageSize) bytes"))
        let growthMiB = Double(peakAfter - peakBefore) / 1024
        let limitMiB = Double(JSONStreamFramer.defaultMaximumMessageSize) / 1_048_576
        // Under a sanitizer the peak is mostly the sanitizer's own (TestSanitizer).
        if TestSanitizer.name == nil { #expect(growthMiB < limitMiB + 8, "VmHWM \(peakBefore) → \(peakAfter) KiB") }
        FaultFigure.record(String(format: "100 MB monitor update to fabric-agent serve: reconnected; VmHWM %.1f → %.1f MiB (growth %.1f MiB, limit %.0f MiB), VmRSS after reconnecting %.1f MiB",
            Double(peakBefore) / 1024, Double(peakAfter) / 1024, growthMiB, limitMiB, Double(residentAfter) / 1024))
    }

    /// A `kB` field of /proc/PID/status (`VmHWM`, the peak resident size; `VmRSS`, the current one).
    static func statusKiB(_ field: String, of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
        // "VmHWM:\t   12345 kB"
        return line.flatMap { Int($0.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") }
    }
}
