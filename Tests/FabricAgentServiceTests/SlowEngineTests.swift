// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built agent pushing to an engine that answers too slowly or too much: a plain-socket HTTP server in
/// the test, on 127.0.0.1 (the agent follows a test namespace with `--netns`, so its own sockets, the
/// push's included, are on the host's loopback). Each push attempt must end within `engine-timeout`, read
/// at most a small part of the answer, be logged as one line naming the URL and the reason, and leave the
/// API answering.
@Suite("EngineReporter: an engine that answers slowly or endlessly", .serialized, .timeLimit(.minutes(3)))
struct SlowEngineTests {
    /// `--engine-timeout` of the agent in these tests.
    static let timeout = 2.0
    /// Each attempt ends within the timeout plus this (a loaded 2-core machine).
    static let slack = 3.0
    /// What the server may get to send in one attempt: the agent reads at most 16 KiB, and the kernel
    /// buffers of the two sockets hold the rest (the server's send buffer is set to 16 KiB).
    static let sentBound = 1 << 20
    /// The agent's peak resident size during the test (measured: docs/RELIABILITY.md).
    static let peakBoundMiB = 64

    @Test(
        .enabled(
            if: AgentTestGate.canRunInNamespace,
            "needs root, iproute2, curl and a built fabric-agent"),
        arguments: SlowEngine.Behaviour.allCases)
    func eachAttemptEndsWithinItsDeadlineAndReadsLittle(behaviour: SlowEngine.Behaviour) throws {
        let engine = try SlowEngine(behaviour)
        defer { engine.stop() }
        let namespace = try NetworkNamespaceFixture(prefix: "fab-slow")
        defer { namespace.delete() }
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let url = "http://127.0.0.1:\(engine.port)/engine/hosts"
        let agent = try AgentProcess(
            arguments: [
                "--listen", "unix:\(directory)/agent.sock", "--netns", namespace.name,
                "--ovsdb", "unix:\(directory)/no-db.sock", "--engine-url", url,
                "--engine-timeout", "\(Self.timeout)", "--engine-max-backoff", "0.5", "--engine-interval", "1",
            ],
            directory: directory)
        defer { agent.stop() }

        // Three attempts ended by the agent, and the API answers while the next one is under way.
        let ended = AgentProcess.eventually(seconds: 30) { engine.attempts().filter { $0.closed != nil }.count >= 3 }
        let askStart = SlowPeerSupport.now
        let interfaces = try agent.curl("/v1/interfaces")
        let answerSeconds = SlowPeerSupport.now - askStart
        #expect(ended, "attempts: \(engine.attempts())")
        #expect(interfaces.status == 200)
        #expect(answerSeconds < 5, "GET /v1/interfaces took \(answerSeconds) s during a push")

        let attempts = engine.attempts().filter { $0.closed != nil }
        let durations = attempts.map { $0.closed! - $0.accepted }
        let longest = durations.max() ?? .infinity
        #expect(longest < Self.timeout + Self.slack, "an attempt lasted \(longest) s")
        let mostSent = attempts.map(\.bytesSent).max() ?? 0
        #expect(mostSent < Self.sentBound, "the server sent \(mostSent) bytes in one attempt")

        // One line per attempt, naming the URL and why.
        let reason = behaviour.expectedReason
        let lines = agent.standardError.split(separator: "\n").filter { $0.contains("engine push failed; retrying") }
        #expect(lines.count >= 3)
        #expect(lines.allSatisfy { $0.contains("engine.url=\(url)") && $0.contains(reason) }, "\(lines.prefix(3))")
        let metrics = try agent.curl("/metrics").body
        #expect(metrics.contains("\nfabric_engine_reports_sent_total 0\n"), "nothing counts as delivered")

        let peakKiB = try #require(SlowPeerSupport.memoryKiB(pid: agent.pid, "VmHWM"))
        // Under a sanitizer the peak is mostly the sanitizer's own (TestSanitizer).
        if TestSanitizer.name == nil { #expect(peakKiB < Self.peakBoundMiB * 1024, "peak RSS \(peakKiB / 1024) MiB") }
        print(
            "slow-engine figure: behaviour=\(behaviour) attempts=\(attempts.count)"
                + " longest=\(String(format: "%.3f", longest))s shortest=\(String(format: "%.3f", durations.min() ?? -1))s"
                + " mostSent=\(mostSent)B interfacesAnswer=\(String(format: "%.3f", answerSeconds))s peak=\(peakKiB / 1024)MiB"
                + " log=\(lines.first.map(String.init) ?? "")")
        #expect(agent.stop() == 0)
    }
}

/// An HTTP server on 127.0.0.1 made of plain sockets, one thread per connection: it reads each request
/// (head and `Content-Length` body) and answers it in one misbehaving way, recording when each connection
/// was accepted, when the client closed it and how many bytes of the answer the kernel took.
final class SlowEngine: @unchecked Sendable {
    enum Behaviour: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// `200 OK` with `Content-Length: 1000000`, then one byte every 200 ms.
        case bytePerTwoHundredMilliseconds
        /// The status line and headers themselves one byte every 200 ms.
        case headersBytePerTwoHundredMilliseconds
        /// `200 OK` declaring `Content-Length: 1073741824`, then the gigabyte as fast as it is taken.
        case gigabyteBody
        /// `500` with a chunked body that would be a gigabyte, generated on the fly.
        case gigabyteChunkedError

        var testDescription: String { rawValue }

        /// What the agent's log must give as the reason.
        var expectedReason: String {
            switch self {
            case .bytePerTwoHundredMilliseconds, .headersBytePerTwoHundredMilliseconds:
                "no complete answer within \(SlowEngineTests.timeout) seconds"
            case .gigabyteBody: "is longer than 16384 bytes"
            case .gigabyteChunkedError: "is longer than 16384 bytes"
            }
        }
    }

    struct Attempt: CustomStringConvertible {
        var accepted: Double
        var closed: Double?
        var bytesSent = 0
        var description: String { "accepted \(accepted) closed \(closed.map { "\($0)" } ?? "-") sent \(bytesSent)" }
    }

    let behaviour: Behaviour
    let port: Int
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    private let lock = NSLock()
    private var recorded: [Attempt] = []

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw AgentTestError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw AgentTestError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func attempts() -> [Attempt] { lock.withLock { recorded } }

    /// Stops accepting; connection threads end when their client goes or at their next step.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit {
        stop()
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            let index = lock.withLock {
                recorded.append(Attempt(accepted: SlowPeerSupport.now))
                return recorded.count - 1
            }
            let thread = Thread { [self] in
                serve(connection, index)
                close(connection)
            }
            thread.start()
        }
    }

    private func serve(_ connection: Int32, _ index: Int) {
        // The agent's request must be read whole, or it would be the one waiting.
        guard readRequest(connection) else { return markClosed(index) }
        // A small send buffer: what the server gets to send is close to what the agent read.
        var size: Int32 = 16 * 1024
        setsockopt(connection, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        switch behaviour {
        case .bytePerTwoHundredMilliseconds:
            guard
                send(
                    connection, index,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
            else { return }
            while waitForClose(connection, seconds: 0.2) == false {
                guard send(connection, index, "x") else { return }
            }
            markClosed(index)
        case .headersBytePerTwoHundredMilliseconds:
            for byte in "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" {
                guard send(connection, index, String(byte)) else { return }
                if waitForClose(connection, seconds: 0.2) { return markClosed(index) }
            }
            _ = waitForClose(connection, seconds: 30)
            markClosed(index)
        case .gigabyteBody:
            guard
                send(
                    connection, index,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
            else { return }
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var total = 0
            while total < 1 << 30 {
                guard send(connection, index, chunk) else { return }
                total += chunk.count
            }
            _ = waitForClose(connection, seconds: 30)
            markClosed(index)
        case .gigabyteChunkedError:
            guard send(connection, index, "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n")
            else { return }
            let chunk =
                Array("10000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "e"), count: 0x10000) + Array("\r\n".utf8)
            var total = 0
            while total < 1 << 30 {
                guard send(connection, index, chunk) else { return }
                total += 0x10000
            }
            _ = waitForClose(connection, seconds: 30)
            markClosed(index)
        }
    }

    /// Reads the head and a `Content-Length` body; false when the client went away first.
    private func readRequest(_ connection: Int32) -> Bool {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var headEnd: Int?
        var expected = Int.max
        while received.count < expected {
            guard waitReadable(connection, seconds: 10) else { return false }
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            received += buffer[0..<count]
            if headEnd == nil, let end = Self.find([13, 10, 13, 10], in: received) {
                headEnd = end + 4
                let head = String(decoding: received[0..<end], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = end + 4 + length
            }
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    /// Sends all of `text`, counting what the kernel took; on failure (the agent closed) records the close.
    private func send(_ connection: Int32, _ index: Int, _ text: String) -> Bool {
        send(connection, index, Array(text.utf8))
    }

    private func send(_ connection: Int32, _ index: Int, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            if stopped.load(ordering: .relaxed) { return false }
            // Wait until the socket takes more, or the agent closes.
            var entry = pollfd(fd: connection, events: Int16(POLLOUT) | SlowPeerSupport.pollPeerClosed, revents: 0)
            guard poll(&entry, 1, 1000) >= 0 else { continue }
            if entry.revents & (SlowPeerSupport.pollPeerClosed | Int16(POLLHUP | POLLERR)) != 0 {
                markClosed(index)
                return false
            }
            guard entry.revents & Int16(POLLOUT) != 0 else { continue }
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                markClosed(index)
                return false
            }
            offset += sent
            lock.withLock { recorded[index].bytesSent += sent }
        }
        return true
    }

    /// Whether the client closed within `seconds` (what it sends after its request is ignored).
    private func waitForClose(_ connection: Int32, seconds: Double) -> Bool {
        let deadline = SlowPeerSupport.now + seconds
        while !stopped.load(ordering: .relaxed) {
            let left = deadline - SlowPeerSupport.now
            guard left > 0 else { return false }
            var entry = pollfd(fd: connection, events: SlowPeerSupport.pollPeerClosed, revents: 0)
            if poll(&entry, 1, Int32(left * 1000) + 1) > 0 { return true }
        }
        return true
    }

    private func waitReadable(_ connection: Int32, seconds: Double) -> Bool {
        var entry = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, Int32(seconds * 1000)) > 0
    }

    private func markClosed(_ index: Int) {
        let now = SlowPeerSupport.now
        lock.withLock { if recorded[index].closed == nil { recorded[index].closed = now } }
    }
}
