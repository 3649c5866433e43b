// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The agent killed outright (SIGKILL: no graceful stop, no cleanup) while it serves a client, follows an event
/// stream and pushes to an engine: started again, it serves the same table, and nothing of the killed one is
/// left behind but what it had made (the socket and ready file are replaced, no temporary file stays).
@Suite(.serialized) struct AgentKillTests {
    @Test(.enabled(if: AgentTestGate.canRunInNamespace, AgentTestGate.namespaceReason))
    func aKilledAgentRestartsWithTheSameTableAndNoLeftovers() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-kill")
        defer { namespace.delete() }
        try namespace.ip("link", "add", "fk0", "type", "veth", "peer", "name", "fk1")
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/agent.sock"
        // Nothing listens on the engine's port in the namespace: the reporter is busy retrying when killed.
        let arguments = [
            "--listen", "unix:" + socket, "--sample-interval", "0.2", "--ovsdb", "unix:\(directory)/no-db.sock",
            "--engine-url", "http://127.0.0.1:9/fabric", "--engine-interval", "1",
        ]

        let first = try AgentProcess(namespace: namespace.name, arguments: arguments, directory: directory)
        let before = try first.json("/v1/interfaces")
        let events = try EventStream(agent: first)
        #expect(AgentProcess.eventually { !events.tables().isEmpty })
        kill(first.pid, SIGKILL)
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)

        // What systemd's RuntimeDirectory would not clean between a crash and Restart=on-failure: the stale
        // socket and ready file. The new agent must take over the socket path.
        #expect(FileManager.default.fileExists(atPath: socket), "a killed agent cannot remove its socket")
        try FileManager.default.removeItem(atPath: first.readyFile)  // so the test waits for the new one
        let second = try AgentProcess(namespace: namespace.name, arguments: arguments, directory: directory)
        defer { second.stop() }
        #expect(second.bound == "unix:" + socket)
        let after = try second.json("/v1/interfaces")
        #expect(rows(before) == rows(after), "the same table after the restart")

        // The test's own files (the agent's stderr, the event stream's capture) aside, only what a serving agent
        // has: its socket and ready file.
        func agentFiles() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0 != "agent.stderr" && !$0.hasPrefix("events-") }.sorted()
        }
        let serving = try agentFiles()
        #expect(serving == ["agent.sock", "ready"], "files in the agent's folder: \(serving)")
        #expect(second.stop() == 0)
        #expect(try agentFiles() == [], "a stopped agent leaves nothing")
    }

    /// Each row's name, kind and fabric: what must not change across a restart (counters do).
    private func rows(_ table: [String: Any]) -> [String] {
        let interfaces = table["interfaces"] as? [[String: Any]] ?? []
        return interfaces.map { row in
            let fabric = (row["classification"] as? [String: Any])?["fabric"] as? String ?? ""
            return "\(row["name"] ?? "") \(row["kind"] ?? "") \(fabric)"
        }.sorted()
    }
}
