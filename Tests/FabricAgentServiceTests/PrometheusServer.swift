// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation

/// A real `prometheus` started for one test inside a network namespace (`ip netns exec` execs in place, so the pid is
/// Prometheus's), with its configuration and TSDB in the test's folder; stopped by that pid. Its HTTP API listens on
/// the namespace's own loopback, so a fixed port cannot collide with anything on the host.
final class PrometheusServer {
    static var binary: String? { ProcessRunner.which("prometheus") }
    static let listen = "127.0.0.1:9090"

    let process = Process()
    let namespace: String
    let logPath: String

    /// Writes `configuration` to `directory`/prometheus.yml and starts Prometheus on it.
    init(namespace: String, directory: String, configuration: String) throws {
        guard let binary = Self.binary else { throw AgentTestError("prometheus is not installed") }
        self.namespace = namespace
        let configPath = directory + "/prometheus.yml"
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/tsdb", withIntermediateDirectories: true)
        logPath = directory + "/prometheus.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = [
            "netns", "exec", namespace, binary, "--config.file=" + configPath,
            "--storage.tsdb.path=" + directory + "/tsdb", "--web.listen-address=" + Self.listen,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `GET /api/v1/<path>` with `parameters` (URL-encoded by curl), decoded; throws unless Prometheus answers JSON.
    func api(_ path: String, _ parameters: [(String, String)] = []) throws -> [String: Any] {
        var arguments = ["netns", "exec", namespace, "curl", "-s", "-m", "10", "-G"]
        for (name, value) in parameters { arguments += ["--data-urlencode", "\(name)=\(value)"] }
        arguments.append("http://\(Self.listen)/api/v1/" + path)
        let result = try ProcessRunner.run("/usr/sbin/ip", arguments)
        guard let object = try? JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any] else {
            throw AgentTestError("GET /api/v1/\(path): \(result.output.prefix(300)) \(result.standardError)")
        }
        return object
    }

    /// The instant vector `expression` evaluates to: each sample's labels and value.
    func query(_ expression: String) throws -> [(labels: [String: String], value: Double)] {
        let answer = try api("query", [("query", expression)])
        guard answer["status"] as? String == "success" else {
            throw AgentTestError("query \(expression): \(answer)")
        }
        let data = answer["data"] as? [String: Any] ?? [:]
        return (data["result"] as? [[String: Any]] ?? []).map { sample in
            let value = (sample["value"] as? [Any])?.last as? String
            return (sample["metric"] as? [String: String] ?? [:], value.flatMap(Double.init) ?? .nan)
        }
    }

    /// An alert of `/api/v1/alerts`.
    struct Alert {
        var labels: [String: String]
        var annotations: [String: String]
        subscript(label: String) -> String? { labels[label] }
    }

    /// The alerts in state `firing`.
    func firingAlerts() throws -> [Alert] {
        let alerts = (try api("alerts")["data"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
        return alerts.filter { $0["state"] as? String == "firing" }.map {
            Alert(
                labels: $0["labels"] as? [String: String] ?? [:],
                annotations: $0["annotations"] as? [String: String] ?? [:])
        }
    }

    /// SIGTERM to Prometheus's pid, then waits (SIGKILL after `timeout`). Safe to call more than once.
    func stop(timeout: TimeInterval = 15) {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }

    deinit {
        stop()
    }
}
