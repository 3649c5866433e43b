// SPDX-License-Identifier: Apache-2.0
public import FabricAgentSettings
import AsyncHTTPClient
import FabricInventory
import FabricNetlink
public import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
public import ServiceLifecycle

/// Pushes the host table to the engine (`engine-url`): a POST of the whole JSON document after each
/// structural change (debounced) and every `engine-interval` for fresh counters, with retries and
/// exponential backoff, through a bounded queue that drops its oldest report when full.
///
/// Only structure counts as a change: a counter sample (every `sample-interval`) moves statistics and
/// rates only, and pushing 2 MB every 5 s would load the engine for nothing; the interval carries them.
public struct EngineReporter: Service, CustomStringConvertible {
    /// What the reporter did so far; also logged when it stops.
    public struct Statistics: Sendable, Hashable {
        /// Reports put in the queue (changes and intervals).
        public var enqueued = 0
        /// Reports the engine accepted (2xx).
        public var sent = 0
        /// Attempts that failed and were retried (connection errors, timeouts, 5xx, 408, 429).
        public var failedAttempts = 0
        /// Reports the engine refused (other 3xx/4xx): not retried.
        public var rejected = 0
        /// Reports dropped unsent because the queue was full.
        public var dropped = 0
        /// Reports waiting now, the one being sent included.
        public var queued = 0
        /// The most reports ever waiting at once (never above `engine-queue`).
        public var maximumQueued = 0
        /// The engine's last HTTP status, if it answered at all.
        public var lastStatus: Int?
    }

    let configuration: EngineConfiguration
    let url: EngineURL
    let token: String?
    let tls: TLSConfiguration
    let store: TableStore
    let logger: Logger
    let queue: ReportQueue
    /// Distinguishes this run's versions from a previous run's (versions restart at 1).
    let instance = String(UInt64.random(in: .min ... .max), radix: 16)

    /// - Throws: ``AgentConfigurationError`` when `engine-url` is missing or the CA file cannot be loaded.
    public init(
        configuration: EngineConfiguration, token: String?, store: TableStore, logger: Logger
    ) throws(AgentConfigurationError) {
        guard let url = configuration.url else {
            throw AgentConfigurationError(key: "engine-url", source: "configuration", reason: "no engine URL")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.caCertificate {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw AgentConfigurationError(
                    key: "engine-ca-certificate", source: file, reason: "cannot load the PEM certificates: \(error)")
            }
        }
        self.configuration = configuration
        self.url = url
        self.token = token
        self.tls = tls
        self.store = store
        self.queue = ReportQueue(limit: configuration.queueLimit)
        var logger = logger
        logger[metadataKey: "engine.url"] = "\(url)"
        self.logger = logger
    }

    /// ServiceLifecycle logs each service's description at start: it must not hold the token.
    public var description: String { "EngineReporter(url: \(url))" }

    public var statistics: Statistics {
        get async { await queue.statistics }
    }

    public func run() async throws {
        var pool = HTTPClient.Configuration.ConnectionPool()
        // A refused connection fails the attempt at once, so the backoff below (logged, counted) decides
        // when to try again, not the client's own retries until the deadline.
        pool.retryConnectionEstablishment = false
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow,
                timeout: HTTPClient.Configuration.Timeout(
                    connect: Self.timeAmount(configuration.timeout), read: Self.timeAmount(configuration.timeout)),
                connectionPool: pool),
            backgroundActivityLogger: logger)
        logger.info(
            "pushing the table to the engine",
            metadata: [
                "engine.interval": "\(configuration.interval)", "engine.queue": "\(configuration.queueLimit)",
                "engine.token": "\(token != nil ? "configured" : "none")",
            ])
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.reportChanges() }
                group.addTask { await self.reportPeriodically() }
                group.addTask { await self.send(with: client) }
            }
        }
        try? await client.shutdown()
        let statistics = await queue.statistics
        logger.info(
            "stopped pushing to the engine",
            metadata: [
                "engine.sent": "\(statistics.sent)", "engine.failed_attempts": "\(statistics.failedAttempts)",
                "engine.rejected": "\(statistics.rejected)", "engine.dropped": "\(statistics.dropped)",
            ])
    }

    /// Queues the newest table a debounce after each structural change; counter samples do not count.
    func reportChanges() async {
        var reported: TableStructure?
        for await publication in store.subscribe() {
            guard TableStructure(publication.table) != reported else { continue }
            // The changes that follow (a VM start adds several links) arrive meanwhile; the stream keeps
            // only the newest, whose structure is then compared with what was queued.
            try? await Task.sleep(for: .seconds(configuration.debounce))
            if Task.isCancelled { return }
            let newest = store.publication ?? publication
            reported = TableStructure(newest.table)
            await enqueue(newest, reason: "change")
        }
    }

    /// Queues the current table every `engine-interval`, so the engine gets fresh counters.
    func reportPeriodically() async {
        while true {
            do { try await Task.sleep(for: .seconds(configuration.interval)) } catch { return }
            if let publication = store.publication { await enqueue(publication, reason: "interval") }
        }
    }

    private func enqueue(_ publication: TablePublication, reason: String) async {
        if let dropped = await queue.enqueue(publication, reason: reason) {
            logger.warning(
                "engine queue full; dropped the oldest report",
                metadata: ["engine.version": "\(dropped.publication.version)", "engine.dropped": "\(dropped.total)"])
        }
    }

    /// Sends the oldest queued report until the queue is empty, then waits for the next one.
    func send(with client: HTTPClient) async {
        var failures = 0
        var loggedRejections: Set<Int> = []
        var wakeUps = queue.wakeUps.makeAsyncIterator()
        while !Task.isCancelled {
            guard let report = await queue.oldest() else {
                guard await wakeUps.next() != nil else { return }
                continue
            }
            let outcome = await attempt(report, with: client, number: failures + 1)
            if Task.isCancelled { return }
            await queue.finish(report, outcome)
            var metadata: Logger.Metadata = [
                "engine.version": "\(report.publication.version)", "engine.reason": "\(report.reason)",
                "engine.attempt": "\(failures + 1)",
            ]
            switch outcome {
            case .delivered(let status):
                metadata["engine.status"] = "\(status)"
                if failures > 0 {
                    logger.notice("engine accepted the table after failures", metadata: metadata)
                } else {
                    logger.debug("engine accepted the table", metadata: metadata)
                }
                failures = 0
                loggedRejections.removeAll()
            case .rejected(let status, let answer):
                metadata["engine.status"] = "\(status)"
                metadata["engine.answer"] = "\(answer)"
                // Repeating the same refusal at every change would flood the log.
                if loggedRejections.insert(status).inserted {
                    logger.error("engine refused the table; not retried until the next change or interval", metadata: metadata)
                } else {
                    logger.debug("engine refused the table again", metadata: metadata)
                }
                failures = 0
            case .retry(let status, let reason, let retryAfter):
                failures += 1
                var delay = Self.backoff(
                    failures: failures, initial: configuration.initialBackoff, maximum: configuration.maxBackoff)
                if let retryAfter { delay = max(delay, min(retryAfter, configuration.maxBackoff)) }
                if let status { metadata["engine.status"] = "\(status)" }
                metadata["error"] = "\(reason)"
                metadata["engine.retry_in"] = "\(Double(Int(delay * 1000)) / 1000)"
                logger.warning("engine push failed; retrying", metadata: metadata)
                do { try await Task.sleep(for: .seconds(delay)) } catch { return }
            }
        }
    }

    enum Outcome: Sendable, Equatable {
        case delivered(status: Int)
        case rejected(status: Int, answer: String)
        case retry(status: Int?, reason: String, retryAfter: Double?)
    }

    /// The most of the engine's answer that is read. The status decides the outcome and the text only goes
    /// to the log (its first 200 characters), so a few KiB are plenty; a longer answer is not the engine's.
    static let answerLimit = 16 * 1024

    /// One POST. It succeeds only when the engine's whole answer (status, headers and at most
    /// ``answerLimit`` bytes of body) arrives within `engine-timeout`, connecting included: the client's
    /// own connect and read timeouts do not bound an answer that trickles in a byte at a time (each byte
    /// restarts the read timeout, and the client's deadline ends when the headers arrive), nor one that
    /// never ends. A failed attempt is retried, whatever the status: what answers too slowly or too much
    /// is not behaving as an engine, and counting its 2xx as delivered would hide that from the admin.
    private func attempt(_ report: ReportQueue.Report, with client: HTTPClient, number: Int) async -> Outcome {
        var request = HTTPClientRequest(url: url.text)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "fabric-agent")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let hostname = report.publication.table.hostname {
            request.headers.add(name: "X-Fabric-Host", value: hostname)
        }
        request.headers.add(name: "X-Fabric-Instance", value: instance)
        request.headers.add(name: "X-Fabric-Version", value: "\(report.publication.version)")
        request.headers.add(name: "X-Fabric-Reason", value: report.reason)
        request.body = .bytes(report.publication.json)
        let timeout = configuration.timeout
        let answer: Answer
        do {
            answer = try await Self.withDeadline(seconds: timeout) { [request] in
                let response = try await client.execute(request, timeout: Self.timeAmount(timeout))
                let status = Int(response.status.code)
                var body = ByteBuffer()
                for try await part in response.body {
                    guard body.readableBytes + part.readableBytes <= Self.answerLimit else {
                        // Dropping the response closes the connection: nothing more of the answer is read.
                        throw EnginePushError.answerTooLarge(status: status, limit: Self.answerLimit)
                    }
                    body.writeImmutableBuffer(part)
                }
                return Answer(
                    status: status, retryAfter: response.headers.first(name: "Retry-After").flatMap(Double.init),
                    text: String(buffer: body))
            }
        } catch let error as EnginePushError {
            return .retry(status: error.status, reason: error.description, retryAfter: nil)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            // The client's own deadline (the same, up to the headers) may fire first: the same reason.
            let error = EnginePushError.deadlineExceeded(seconds: timeout)
            return .retry(status: nil, reason: error.description, retryAfter: nil)
        } catch {
            return .retry(status: nil, reason: "\(error)", retryAfter: nil)
        }
        switch answer.status {
        case 200..<300: return .delivered(status: answer.status)
        case 408, 429, 500..<600:
            return .retry(status: answer.status, reason: "HTTP \(answer.status)", retryAfter: answer.retryAfter)
        default: return .rejected(status: answer.status, answer: String(answer.text.prefix(200)))
        }
    }

    /// The parts of the engine's answer the outcome depends on.
    struct Answer: Sendable {
        var status: Int
        var retryAfter: Double?
        var text: String
    }

    /// Runs `operation`, cancelled after `seconds` with ``EnginePushError/deadlineExceeded(seconds:)``.
    /// Cancelling an HTTP exchange closes its connection, however far it got.
    static func withDeadline<Result: Sendable>(
        seconds: Double, _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw EnginePushError.deadlineExceeded(seconds: seconds)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    /// `initial` doubling per failure up to `maximum`, with "equal jitter" (between half and all of it)
    /// so that agents restarted together do not hit a recovering engine in step.
    static func backoff(failures: Int, initial: Double, maximum: Double) -> Double {
        let exponent = Double(min(max(failures - 1, 0), 30))
        let ceiling = min(initial * Double(1 << Int(exponent)), maximum)
        return ceiling / 2 + Double.random(in: 0...(ceiling / 2))
    }

    static func timeAmount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(seconds * 1e9))
    }
}

/// What makes a table different for the engine: everything but the statistics, rates and sample time.
struct TableStructure: Equatable {
    var hostname: String?
    var sources: HostTable.Sources
    var interfaces: [HostInterface]

    init(_ table: HostTable) {
        hostname = table.hostname
        sources = table.sources
        interfaces = table.interfaces.map { row in
            var row = row
            row.statistics = LinkStatistics()
            row.rates = nil
            return row
        }
    }
}

/// The reports waiting to be sent, oldest first, at most `limit`. Each report is a whole table, so
/// when full the oldest is dropped: the newest is what the engine needs.
actor ReportQueue {
    struct Report: Sendable {
        var id: UInt64
        var publication: TablePublication
        var reason: String
    }

    private let limit: Int
    private var reports: [Report] = []
    private var nextID: UInt64 = 0
    private(set) var statistics = EngineReporter.Statistics()
    /// Rings the sender when a report arrives; one pending ring is enough.
    nonisolated let wakeUps: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(limit: Int) {
        self.limit = max(limit, 1)
        (wakeUps, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds a report; returns the one dropped to make room (with the total dropped so far), if any.
    func enqueue(
        _ publication: TablePublication, reason: String
    ) -> (publication: TablePublication, total: Int)? {
        // An interval with nothing new since the last report (no counter sample in between) adds nothing.
        if reports.last?.publication.version == publication.version { return nil }
        var dropped: (TablePublication, Int)?
        if reports.count >= limit {
            let oldest = reports.removeFirst()
            statistics.dropped += 1
            dropped = (oldest.publication, statistics.dropped)
        }
        reports.append(Report(id: nextID, publication: publication, reason: reason))
        nextID += 1
        statistics.enqueued += 1
        statistics.queued = reports.count
        statistics.maximumQueued = max(statistics.maximumQueued, reports.count)
        ring.yield()
        return dropped
    }

    func oldest() -> Report? { reports.first }

    /// Records an attempt's outcome; a report that is done leaves the queue (unless dropped meanwhile).
    func finish(_ report: Report, _ outcome: EngineReporter.Outcome) {
        switch outcome {
        case .delivered(let status):
            statistics.sent += 1
            statistics.lastStatus = status
            reports.removeAll { $0.id == report.id }
        case .rejected(let status, _):
            statistics.rejected += 1
            statistics.lastStatus = status
            reports.removeAll { $0.id == report.id }
        case .retry(let status, _, _):
            statistics.failedAttempts += 1
            if let status { statistics.lastStatus = status }
        }
        statistics.queued = reports.count
    }
}

/// Why a push attempt ended without a usable answer (besides connection errors, which the HTTP client
/// names itself). Logged as the attempt's `error`.
enum EnginePushError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The whole answer did not arrive within `engine-timeout`.
    case deadlineExceeded(seconds: Double)
    /// The answer's body is longer than the agent reads.
    case answerTooLarge(status: Int, limit: Int)

    var status: Int? {
        switch self {
        case .deadlineExceeded: nil
        case .answerTooLarge(let status, _): status
        }
    }

    var description: String {
        switch self {
        case .deadlineExceeded(let seconds):
            "no complete answer within \(seconds) seconds (engine-timeout); the connection was closed"
        case .answerTooLarge(let status, let limit):
            "the answer (HTTP \(status)) is longer than \(limit) bytes; "
                + "the connection was closed without reading the rest"
        }
    }
}

extension EngineReporter {
    /// The reporter the configuration asks for: none without `engine-url`.
    static func configured(
        _ configuration: AgentConfiguration, store: TableStore, logger: Logger
    ) throws(AgentConfigurationError) -> EngineReporter? {
        guard configuration.engine.url != nil else { return nil }
        return try EngineReporter(
            configuration: configuration.engine, token: try configuration.loadEngineToken(), store: store,
            logger: logger)
    }
}
