// SPDX-License-Identifier: Apache-2.0
import FabricAgentService
import FabricAgentSettings
import FabricInventory
import FabricNetlink
import FabricTestSupport
import Foundation
import Logging
import Testing

/// The push to the engine against a real HTTP server: Python's `http.server` on loopback (in a test
/// network namespace for the built agent), answering a scripted list of statuses and recording every
/// request it receives.
@Suite("EngineReporter: push to the engine", .serialized, .timeLimit(.minutes(3)))
struct EngineReporterTests {
    static let hasPython = EngineSink.python != nil
    static let pythonReason: Comment = "needs python3 for the receiving HTTP server"

    static func sample(_ links: [(name: String, rxBytes: UInt64)], second: UInt64) -> HostTableBuilder.Sample {
        TableStoreTests.sample(links, second: second)
    }

    static func configuration(_ sink: EngineSink, path: String = "/engine/hosts") throws -> EngineConfiguration {
        try configuration(port: sink.port, path: path)
    }

    /// Short delays, so retries happen within a test's patience.
    static func configuration(port: Int, path: String = "/engine/hosts") throws -> EngineConfiguration {
        var configuration = EngineConfiguration()
        configuration.url = try EngineURL(parsing: "http://127.0.0.1:\(port)\(path)")
        configuration.debounce = 0.1
        configuration.initialBackoff = 0.2
        configuration.maxBackoff = 1
        configuration.timeout = 2
        return configuration
    }

    /// Runs the reporter while `body` runs, then cancels it and waits for it (and its HTTP client) to stop.
    static func withReporter(
        _ configuration: EngineConfiguration, token: String? = nil, store: TableStore, log: LogRecorder = LogRecorder(),
        _ body: (EngineReporter) async throws -> Void
    ) async throws {
        let reporter = try EngineReporter(
            configuration: configuration, token: token, store: store,
            logger: Logger(label: "fabric.test.engine") { _ in log })
        let task = Task { try await reporter.run() }
        do {
            try await body(reporter)
        } catch {
            task.cancel()
            try? await task.value
            throw error
        }
        task.cancel()
        try await task.value
    }

    static func eventually(seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test(.enabled(if: hasPython, pythonReason))
    func retriesServerErrorsThenDeliversTheDocumentWithTheToken() async throws {
        let sink = try EngineSink(statuses: [503, 503])
        let pipeline = TablePipeline()
        let store = pipeline.store
        await pipeline.linksChanged(Self.sample([("d0", 0), ("d1", 0)], second: 1))
        let token = "engine-token-0123456789"
        try await Self.withReporter(try Self.configuration(sink), token: token, store: store) { reporter in
            #expect(await Self.eventually { sink.requests().contains { $0.status == 200 } })
            // Nothing more to send: no further request in the next half second.
            try await Task.sleep(for: .milliseconds(500))
            let requests = sink.requests()
            #expect(requests.map(\.status) == [503, 503, 200])
            #expect(Set(requests.map { $0.headers["x-fabric-version"] }).count == 1, "the same report, retried")
            let delivered = try #require(requests.last)
            #expect(delivered.path == "/engine/hosts")
            #expect(delivered.headers["authorization"] == "Bearer \(token)")
            #expect(delivered.headers["content-type"] == "application/json")
            #expect(delivered.headers["x-fabric-version"].flatMap { UInt64($0) } != nil)
            let document = try #require(delivered.document)
            #expect(document["schema"] as? String == "fabric.host-interfaces")
            #expect(EngineSink.names(in: document) == ["d0", "d1"])
            let statistics = await reporter.statistics
            #expect(statistics.sent == 1)
            #expect(statistics.failedAttempts == 2)
            #expect(statistics.lastStatus == 200)
            #expect(statistics.queued == 0)
        }
    }

    @Test(.enabled(if: hasPython, pythonReason))
    func serverDownAtStartThenUpGetsTheNewestTableAndTheQueueStaysBounded() async throws {
        // A free port: the sink binds one, then goes away until the test brings it back on that port.
        let port = try EngineSink(statuses: []).stop()
        let pipeline = TablePipeline()
        let store = pipeline.store
        await pipeline.linksChanged(Self.sample([("d0", 0)], second: 1))
        var configuration = try Self.configuration(port: port)
        configuration.interval = 0.2
        configuration.initialBackoff = 0.1
        configuration.maxBackoff = 0.4
        configuration.queueLimit = 2
        let log = LogRecorder()
        try await Self.withReporter(configuration, store: store, log: log) { reporter in
            // Counter samples make new versions for the interval to queue while nobody answers.
            for second in 2...12 {
                await pipeline.countersSampled(TableStoreTests.counters([("d0", UInt64(second) * 1000)], second: UInt64(second)))
                try await Task.sleep(for: .milliseconds(150))
            }
            let whileDown = await reporter.statistics
            #expect(whileDown.sent == 0)
            #expect(whileDown.failedAttempts >= 2, "retried with backoff")
            #expect(whileDown.dropped > 0, "more reports than the queue holds")
            #expect(whileDown.maximumQueued <= 2)
            #expect(log.messages.contains { $0.message == "engine queue full; dropped the oldest report" })
            #expect(log.messages.contains { $0.message == "engine push failed; retrying" && $0.level == .warning })

            await pipeline.linksChanged(Self.sample([("d0", 12_000), ("d9", 0)], second: 12))
            let sink = try EngineSink(port: port, statuses: [])
            #expect(await Self.eventually {
                sink.requests().contains { $0.status == 200 && $0.document.map(EngineSink.names(in:)) == ["d0", "d9"] }
            })
            let statistics = await reporter.statistics
            #expect(statistics.sent >= 1)
            #expect(statistics.maximumQueued <= 2)
        }
    }

    @Test(.enabled(if: hasPython, pythonReason))
    func refusedReportIsNotRetriedAndLoggedOncePerStatus() async throws {
        let sink = try EngineSink(statuses: [], otherwise: 400)
        let pipeline = TablePipeline()
        let store = pipeline.store
        await pipeline.linksChanged(Self.sample([("d0", 0)], second: 1))
        let log = LogRecorder()
        try await Self.withReporter(try Self.configuration(sink), store: store, log: log) { reporter in
            #expect(await Self.eventually { sink.requests().count == 1 })
            try await Task.sleep(for: .seconds(2))
            #expect(sink.requests().count == 1, "a 400 is not retried")

            await pipeline.linksChanged(Self.sample([("d0", 0), ("d1", 0)], second: 2))
            #expect(await Self.eventually { sink.requests().count == 2 }, "the next change is sent")
            try await Task.sleep(for: .seconds(1))
            #expect(sink.requests().count == 2)
            let statistics = await reporter.statistics
            #expect(statistics.rejected == 2)
            #expect(statistics.failedAttempts == 0)
            #expect(statistics.lastStatus == 400)
            #expect(log.messages.filter { $0.level == .error }.count == 1, "the same status is logged once")
        }
    }

    @Test(.enabled(if: hasPython, pythonReason))
    func counterSamplesAreNoChangeButTheIntervalSendsFreshCounters() async throws {
        let sink = try EngineSink(statuses: [])
        let pipeline = TablePipeline()
        let store = pipeline.store
        await pipeline.linksChanged(Self.sample([("d0", 0)], second: 1))
        var configuration = try Self.configuration(sink)
        configuration.interval = 1.5
        try await Self.withReporter(configuration, store: store) { _ in
            #expect(await Self.eventually { sink.requests().count == 1 })
            for second in 2...6 {
                await pipeline.countersSampled(TableStoreTests.counters([("d0", UInt64(second) * 1000)], second: UInt64(second)))
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(sink.requests().count == 1, "counter samples alone push nothing before the interval")
            #expect(await Self.eventually(seconds: 5) { sink.requests().count >= 2 })
            let periodic = try #require(sink.requests().dropFirst().first)
            #expect(periodic.headers["x-fabric-reason"] == "interval")
            let row = try #require((periodic.document?["interfaces"] as? [[String: Any]])?.first)
            #expect((row["statistics"] as? [String: Any])?["rxBytes"] as? Int == 6000)
        }
    }

    @Test(.enabled(if: hasPython, pythonReason), arguments: [429, 408, 0])
    func busyAnswersAndTimeoutsAreRetried(first: Int) async throws {
        let sink = try EngineSink(statuses: [first])
        let pipeline = TablePipeline()
        let store = pipeline.store
        await pipeline.linksChanged(Self.sample([("d0", 0)], second: 1))
        var configuration = try Self.configuration(sink)
        configuration.timeout = 0.5  // the stalling answer (0) takes 3 s
        try await Self.withReporter(configuration, store: store) { reporter in
            #expect(await Self.eventually { sink.requests().contains { $0.status == 200 } })
            // The sink records its answer before the reporter has read it: wait for the reporter too.
            #expect(await Self.eventually { await reporter.statistics.sent == 1 })
            let statistics = await reporter.statistics
            #expect(statistics.failedAttempts == 1)
            #expect(statistics.sent == 1)
            #expect(sink.requests().map(\.status) == [first, 200])
        }
    }

    @Test(.enabled(if: hasPython && EngineSink.openssl != nil, "needs python3 and openssl"))
    func httpsTrustsTheConfiguredCertificateAuthorityInsteadOfTheSystemStore() async throws {
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (certificate, key) = (directory + "/engine.pem", directory + "/engine.key")
        let made = try ProcessRunner.run(EngineSink.openssl!, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        try #require(made.status == 0, "openssl: \(made.standardError)")
        let sink = try EngineSink(statuses: [], tls: (certificate, key))
        let pipeline = TablePipeline()
        let store = pipeline.store
        await pipeline.linksChanged(Self.sample([("d0", 0)], second: 1))
        var configuration = try Self.configuration(sink)
        configuration.url = try EngineURL(parsing: "https://127.0.0.1:\(sink.port)/engine/hosts")
        // The system trust store does not know this self-signed certificate.
        try await Self.withReporter(configuration, store: store) { reporter in
            #expect(await Self.eventually { await reporter.statistics.failedAttempts >= 2 })
            #expect(await reporter.statistics.sent == 0)
        }
        #expect(sink.requests().isEmpty)
        configuration.caCertificate = certificate
        try await Self.withReporter(configuration, token: "engine-token-0123456789", store: store) { reporter in
            #expect(await Self.eventually { await reporter.statistics.sent == 1 })
            let delivered = try #require(sink.requests().last)
            #expect(delivered.headers["authorization"] == "Bearer engine-token-0123456789")
            #expect(delivered.document?["schema"] as? String == "fabric.host-interfaces")
        }
    }

    @Test func unreadableCertificateAuthorityNamesItsKey() throws {
        var configuration = EngineConfiguration()
        configuration.url = try EngineURL(parsing: "https://engine.example/hosts")
        configuration.caCertificate = "/nonexistent/engine-ca.pem"
        let pipeline = TablePipeline()
        let store = pipeline.store
        let error = try #require(throws: AgentConfigurationError.self) {
            try EngineReporter(configuration: configuration, token: nil, store: store, logger: Logger(label: "test"))
        }
        #expect(error.key == "engine-ca-certificate")
        #expect(error.source == "/nonexistent/engine-ca.pem")
    }

    @Test(.enabled(if: AgentTestGate.canRunInNamespace && hasPython, AgentTestGate.namespaceReason))
    func builtAgentPushesLinkChangesToTheEngine() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-engine")
        defer { namespace.delete() }
        // `ip netns exec` runs the agent inside the namespace, so its 127.0.0.1 is the namespace's:
        // the engine (the sink) listens there too, on the namespace's loopback.
        try namespace.ip("link", "set", "lo", "up")
        let sink = try EngineSink(statuses: [], namespace: namespace.name)
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenFile = directory + "/engine.token"
        try "agent-to-engine-0123456789\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: [
                "--listen", "unix:\(directory)/a.sock", "--ovsdb", "unix:\(directory)/no-db.sock",
                "--engine-url", "http://127.0.0.1:\(sink.port)/v1/hosts", "--engine-token-file", tokenFile,
            ],
            directory: directory)
        #expect(AgentProcess.eventually { sink.requests().contains { $0.document.map(EngineSink.names(in:)) == ["lo"] } })
        try namespace.ip("link", "add", "fe0", "type", "veth", "peer", "name", "fe1")
        #expect(AgentProcess.eventually(seconds: 5) {
            sink.requests().contains { $0.document.map(EngineSink.names(in:))?.isSuperset(of: ["fe0", "fe1"]) == true }
        })
        let requests = sink.requests()
        #expect(requests.allSatisfy { $0.status == 200 && $0.headers["authorization"] == "Bearer agent-to-engine-0123456789" })
        let versions = requests.compactMap { $0.headers["x-fabric-version"].flatMap { UInt64($0) } }
        #expect(versions == versions.sorted() && versions.count == requests.count)
        #expect(!agent.standardError.contains("agent-to-engine-0123456789"), "the token is never logged")
        #expect(agent.standardError.contains("engine.url=http://127.0.0.1:\(sink.port)/v1/hosts"))
        // The push's own health, for alerting: what /metrics says matches what the engine received.
        let metrics = try agent.curl("/metrics")
        #expect(metrics.status == 200)
        func value(_ name: String) -> Double? {
            metrics.body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        #expect(value("fabric_engine_reports_sent_total") == Double(sink.requests().count))
        #expect(value("fabric_engine_failed_attempts_total") == 0)
        #expect(value("fabric_engine_reports_dropped_total") == 0)
        #expect(value("fabric_engine_last_status") == 200)
        #expect(agent.stop() == 0)
    }
}

/// A real HTTP server standing in for the engine: Python's `http.server` answering POSTs with the
/// given statuses in order, then `otherwise`, and appending each request (headers, body) to a file.
/// Status 0 stalls for 3 s and hangs up without answering; with `tls` (certificate, key) it speaks https.
final class EngineSink {
    struct Request {
        var status: Int
        var path: String
        /// Lower-case names.
        var headers: [String: String]
        var body: String

        var document: [String: Any]? {
            try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        }
    }

    static var python: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : ProcessRunner.which("python3")
    }

    static var openssl: String? { ProcessRunner.which("openssl") }

    static let script = #"""
        import http.server, json, sys, threading
        import ssl, time
        port, record, statuses, otherwise = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
        statuses = [int(s) for s in statuses.split(",") if s]
        lock = threading.Lock()
        count = 0
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_POST(self):
                global count
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    status = statuses[count] if count < len(statuses) else otherwise
                    count += 1
                    entry = {"status": status, "path": self.path, "body": body.decode("utf-8", "replace"),
                             "headers": {k.lower(): v for k, v in self.headers.items()}}
                    with open(record, "a") as f:
                        f.write(json.dumps(entry) + "\n")
                if status == 0:  # stall past the client's timeout, then hang up without an answer
                    time.sleep(3)
                    self.close_connection = True
                    return
                answer = json.dumps({"status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if len(sys.argv) > 6:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[5], sys.argv[6])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        with open(record + ".port.tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(record + ".port.tmp", record + ".port")
        server.serve_forever()
        """#

    let process: BackgroundProcess
    let port: Int
    let directory: String
    var record: String { directory + "/requests.jsonl" }

    init(
        port: Int = 0, statuses: [Int], otherwise: Int = 200, namespace: String? = nil,
        tls: (certificate: String, key: String)? = nil
    ) throws {
        guard let python = Self.python else { throw AgentTestError("python3 is not installed") }
        directory = AgentProcess.temporaryDirectory()
        let scriptPath = directory + "/engine_sink.py"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let record = directory + "/requests.jsonl"
        var arguments = [scriptPath, String(port), record, statuses.map(String.init).joined(separator: ","), String(otherwise)]
        if let tls { arguments += [tls.certificate, tls.key] }
        if let namespace {
            process = try BackgroundProcess("/usr/sbin/ip", ["netns", "exec", namespace, python] + arguments)
        } else {
            process = try BackgroundProcess(python, arguments)
        }
        let deadline = Date().addingTimeInterval(10)
        var bound: Int?
        while Date() < deadline {
            if let text = try? String(contentsOfFile: record + ".port", encoding: .utf8), let number = Int(text) {
                bound = number
                break
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard let bound else {
            process.stop()
            throw AgentTestError("the engine sink did not start")
        }
        self.port = bound
    }

    /// Stops the server; returns its port.
    @discardableResult
    func stop() -> Int {
        process.stop()
        return port
    }

    func requests() -> [Request] {
        let text = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let status = object["status"] as? Int, let path = object["path"] as? String,
                let headers = object["headers"] as? [String: String], let body = object["body"] as? String
            else { return nil }
            return Request(status: status, path: path, headers: headers, body: body)
        }
    }

    static func names(in document: [String: Any]) -> Set<String> {
        Set((document["interfaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
    }

    deinit {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Keeps every log record of a test, to check what the reporter said.
final class LogRecorder: LogHandler, @unchecked Sendable {
    struct Record {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var records: [Record] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var messages: [Record] { lock.withLock { records } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let record = Record(
            level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 })
        lock.withLock { records.append(record) }
    }
}
