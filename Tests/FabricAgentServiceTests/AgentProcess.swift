// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The built `fabric-agent serve`, started for one test (optionally inside a network namespace with
/// `ip netns exec`, which execs in place, so the pid is the agent's) and stopped by its pid.
final class AgentProcess {
    let process = Process()
    let directory: String
    let readyFile: String
    let stderrPath: String
    /// The folder was made for this agent and goes with it.
    private let ownsDirectory: Bool
    private(set) var bound: String = ""

    static var binary: String? { BuiltProducts.path("fabric-agent") }

    /// Starts the agent and waits until it writes its ready file.
    /// - Parameter launcher: wraps the agent's command line (after `ip netns exec`), e.g. to drop to the
    ///   unit's user with ``UnitPrivileges``.
    init(
        namespace: String? = nil, arguments: [String], environment: [String: String] = [:], directory: String? = nil,
        launcher: ([String]) -> [String] = { $0 }
    ) throws {
        guard let binary = Self.binary else { throw AgentTestError("fabric-agent is not built") }
        self.directory = directory ?? Self.temporaryDirectory()
        ownsDirectory = directory == nil
        readyFile = self.directory + "/ready"
        stderrPath = self.directory + "/agent.stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        var command = launcher([binary, "serve", "--ready-file", readyFile, "--log-level", "debug"] + arguments)
        if let namespace { command = ["/usr/sbin/ip", "netns", "exec", namespace] + command }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FABRIC_") && $0.key != "NOTIFY_SOCKET" }
        env["FABRIC_CONFIG"] = "/dev/null"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: readyFile, encoding: .utf8), text.hasSuffix("\n") {
                bound = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            if !process.isRunning { throw AgentTestError("agent exited: \(standardError)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw AgentTestError("agent did not become ready: \(standardError)")
    }

    /// A self-signed certificate (`cert.pem`) and its key (`key.pem`) in `directory`, for the agent's TLS on the
    /// given addresses.
    static func makeSelfSignedCertificate(in directory: String, addresses: [String]) throws {
        try ProcessRunner.checkedOutput(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/key.pem", "-out",
                directory + "/cert.pem", "-days", "1", "-subj", "/CN=fabric-agent", "-addext",
                "subjectAltName=" + addresses.map { "IP:" + $0 }.joined(separator: ","),
            ])
    }

    /// A path under `.build/test-artifacts` (made if missing) for a file a test keeps, such as a screenshot; any
    /// older file there is removed first.
    static func artifact(_ name: String) throws -> String {
        let folder = FileManager.default.currentDirectoryPath + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    static func temporaryDirectory() -> String {
        let path = "/tmp/fabric-agent-test-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then waits for the exit; returns the exit status.
    @discardableResult
    func stop(timeout: TimeInterval = 15) -> Int32 {
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(pid, SIGKILL) }
        }
        // Also once it has exited: Foundation's Process keeps itself alive through its run-loop source until
        // `waitUntilExit` drops it (a cycle LeakSanitizer reports for every agent otherwise).
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        stop()
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// `curl` against the agent: over its unix socket, or over TCP (in `namespace` when given).
    func curl(_ path: String, extra: [String] = [], namespace: String? = nil) throws -> (status: Int, body: String) {
        var arguments = ["-s", "-m", "10", "-o", "-", "-w", "\n%{http_code}"] + extra
        if bound.hasPrefix("unix:") {
            arguments += ["--unix-socket", String(bound.dropFirst(5)), "http://agent" + path]
        } else {
            arguments.append(bound + path)
        }
        var command = ["/usr/bin/curl"] + arguments
        if let namespace { command = ["/usr/sbin/ip", "netns", "exec", namespace] + command }
        let result = try ProcessRunner.run(command[0], Array(command.dropFirst()))
        let output = result.output
        guard let split = output.lastIndex(of: "\n"), let status = Int(output[output.index(after: split)...]) else {
            throw AgentTestError("curl printed no status: \(output) \(result.standardError)")
        }
        return (status, String(output[..<split]))
    }

    func json(_ path: String) throws -> [String: Any] {
        let (status, body) = try curl(path)
        guard status == 200, let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw AgentTestError("GET \(path): \(status) \(body.prefix(300))")
        }
        return object
    }

    func interfaceNames() throws -> Set<String> {
        let rows = try json("/v1/interfaces")["interfaces"] as? [[String: Any]] ?? []
        return Set(rows.compactMap { $0["name"] as? String })
    }

    /// Polls until `condition` holds or `seconds` pass.
    static func eventually(seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }
}

/// A streaming `curl -N` on `/v1/events`, writing to a file the test reads.
final class EventStream {
    let client: BackgroundProcess
    let path: String

    /// - Parameter query: after `/v1/events`, e.g. `?include=networks`.
    init(agent: AgentProcess, query: String = "") throws {
        path = agent.directory + "/events-\(UUID().uuidString.prefix(6))"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        client = try BackgroundProcess(
            "/bin/sh",
            ["-c", "exec curl -sN --unix-socket '\(agent.bound.dropFirst(5))' 'http://agent/v1/events\(query)' > '\(path)'"])
    }

    /// One server-sent event: its `event:` name, `id:` and decoded `data:`.
    struct Event {
        var name: String
        var id: UInt64?
        var data: [String: Any]
    }

    /// The events received so far, in order.
    func events() -> [Event] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "\n\n").compactMap { block in
            var name = "message"
            var id: UInt64?
            var data: [String: Any]?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("id: ") { id = UInt64(line.dropFirst(4)) }
                if line.hasPrefix("data: ") {
                    data = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
                }
            }
            return data.map { Event(name: name, id: id, data: $0) }
        }
    }

    /// The table as of each event: `table` events as sent, each `changes` event applied to the table
    /// before it the way docs/agent.md tells clients to. A `changes` event whose `base` is not the
    /// previous event's id makes the reconstruction fail with `nil` there (and the test with it).
    func tables() -> [[String: Any]] {
        var tables: [[String: Any]] = []
        var current: (table: [String: Any], version: UInt64?)?
        for event in events() {
            switch event.name {
            case "table":
                current = (event.data, event.id)
            case "changes":
                guard let previous = current, let base = event.data["base"] as? UInt64, base == previous.version
                else { return tables }
                current = (Self.apply(event.data, to: previous.table), event.id)
            default:
                continue
            }
            if let current { tables.append(current.table) }
        }
        return tables
    }

    static func apply(_ changes: [String: Any], to table: [String: Any]) -> [String: Any] {
        var rows: [String: [String: Any]] = [:]
        for row in table["interfaces"] as? [[String: Any]] ?? [] { rows[row["name"] as? String ?? ""] = row }
        for name in changes["removed"] as? [String] ?? [] { rows[name] = nil }
        for row in changes["changed"] as? [[String: Any]] ?? [] { rows[row["name"] as? String ?? ""] = row }
        var result = table
        for key in ["hostname", "sampledAt", "intervalSeconds", "sources"] { result[key] = changes[key] }
        result["interfaces"] = rows.values.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
        return result
    }

    func names(in table: [String: Any]) -> Set<String> {
        Set((table["interfaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
    }

    deinit {
        client.stop()
    }
}

struct AgentTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum AgentTestGate {
    static var canRunInNamespace: Bool {
        NetworkNamespaceFixture.isSupported && AgentProcess.binary != nil
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
    }
    static let namespaceReason: Comment = "needs root, iproute2, curl and a built fabric-agent (swift build)"

    static func tool(_ name: String) -> String? { ProcessRunner.which(name) }

    static func pythonHas(_ module: String) -> Bool {
        (try? ProcessRunner.run("/usr/bin/env", ["python3", "-c", "import \(module)"]).status) == 0
    }
}
