// SPDX-License-Identifier: Apache-2.0
import FabricAgentService
import FabricTestSupport
import Foundation
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// 1,000 `/v1/events` clients that connect, ask for the stream and never read, against the built agent on
/// its unix socket (its production listener), with the descriptor limit of its unit. The agent follows a
/// test namespace (`--netns`) whose 200 links the test keeps bringing up and down, so every stream gets
/// events of up to the whole table (about 100 KB) and a client that does not read fills its socket within
/// a few events. Unix stream sockets queue on the sender's side (the agent's send buffer), so the client's
/// receive buffer does not matter here; each stalled client holds a couple of hundred KB of kernel memory.
@Suite("/v1/events: 1,000 clients that never read", .serialized, .timeLimit(.minutes(5)))
struct StalledEventClientsTests {
    static let clients = 1000
    /// Every stalled client is disconnected within this many seconds of the last one connecting: it fills its
    /// socket within a few events (2 a second), then waits out ``EventStreams/writeDeadline`` (10 s).
    static let dropBound = 30.0
    /// The agent's peak resident size with the 1,000 clients and the well-behaved one (measured: see
    /// docs/RELIABILITY.md).
    static let peakBoundMiB = 128
    /// A well-behaved client gets a link change within this many seconds, and `/v1/interfaces` answers within it.
    static let answerBound = 5.0

    @Test(
        .enabled(
            if: AgentTestGate.canRunInNamespace && SlowPeerSupport.prlimit != nil,
            "needs root, iproute2, curl, prlimit (util-linux) and a built fabric-agent"))
    func clientsThatNeverReadAreDroppedWhileTheAPIStaysResponsive() throws {
        let fileLimit = SlowPeerSupport.unitFileLimit
        // The test process holds the 1,000 sockets and its own files.
        try #require(SlowPeerSupport.raiseFileLimit(to: Self.clients + 512) >= Self.clients + 256, "RLIMIT_NOFILE")
        let namespace = try NetworkNamespaceFixture(prefix: "fab-stall")
        defer { namespace.delete() }
        try namespace.ipBatch((0..<100).map { "link add sv\($0) type veth peer name sp\($0)" })
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/agent.sock"
        let agent = try AgentProcess(
            arguments: [
                "--listen", "unix:" + socketPath, "--netns", namespace.name, "--sample-interval", "5",
                "--ovsdb", "unix:\(directory)/no-db.sock",
            ],
            directory: directory,
            launcher: { ["/usr/bin/prlimit", "--nofile=\(fileLimit):\(fileLimit)"] + $0 })
        defer { agent.stop() }
        let baselineKiB = SlowPeerSupport.memoryKiB(pid: agent.pid, "VmRSS") ?? 0

        // Links up and down, every half second, for as long as the test runs: events for every stream.
        let up = directory + "/up.batch"
        let down = directory + "/down.batch"
        try (0..<100).map { "link set sv\($0) up\nlink set sp\($0) up" }.joined(separator: "\n").appending("\n")
            .write(toFile: up, atomically: true, encoding: .utf8)
        try (0..<100).map { "link set sv\($0) down\nlink set sp\($0) down" }.joined(separator: "\n").appending("\n")
            .write(toFile: down, atomically: true, encoding: .utf8)
        let churn = try BackgroundProcess(
            "/bin/sh",
            [
                "-c",
                "while :; do ip -n \(namespace.name) -batch \(up); sleep 0.5; ip -n \(namespace.name) -batch \(down); sleep 0.5; done",
            ])
        defer { churn.stop() }

        // The well-behaved client, first, so it is one of the streams the stalled ones compete with.
        let good = try EventStream(agent: agent)
        #expect(AgentProcess.eventually { !good.events().isEmpty })

        var stalled: [Int32] = []
        defer { for descriptor in stalled { close(descriptor) } }
        let request = Array("GET /v1/events HTTP/1.1\r\nHost: agent\r\n\r\n".utf8)
        for _ in 0..<Self.clients {
            let descriptor = SlowPeerSupport.connectUnix(socketPath)
            try #require(descriptor >= 0, "connect: \(String(cString: strerror(errno)))")
            try #require(SlowPeerSupport.sendAll(descriptor, request))
            stalled.append(descriptor)
        }
        let connected = SlowPeerSupport.now

        // While they are connected: the API answers, and the well-behaved client gets a new link.
        let stillConnected = stalled.filter { !Self.hungUp($0) }.count
        let askStart = SlowPeerSupport.now
        let interfaces = try agent.curl("/v1/interfaces")
        let answerSeconds = SlowPeerSupport.now - askStart
        #expect(interfaces.status == 200)
        #expect(answerSeconds < Self.answerBound, "GET /v1/interfaces took \(answerSeconds) s")
        let changeStart = SlowPeerSupport.now
        try namespace.ip("link", "add", "mark0", "type", "veth", "peer", "name", "mark1")
        let delivered = AgentProcess.eventually(seconds: Self.answerBound) { Self.received(good, "mark0") }
        let eventSeconds = SlowPeerSupport.now - changeStart
        #expect(delivered, "the well-behaved client got the new link within \(Self.answerBound) s")
        let openStreams = Int(Self.metric(agent, "fabric_event_streams"))

        // Every stalled client is disconnected: its socket hangs up (the agent closed it) without a read.
        var droppedAt = [Double?](repeating: nil, count: stalled.count)
        while SlowPeerSupport.now - connected < Self.dropBound + 10, droppedAt.contains(where: { $0 == nil }) {
            for (index, descriptor) in stalled.enumerated() where droppedAt[index] == nil && Self.hungUp(descriptor) {
                droppedAt[index] = SlowPeerSupport.now - connected
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let dropped = droppedAt.compactMap { $0 }
        let lastDrop = dropped.max() ?? .infinity
        #expect(dropped.count == Self.clients, "\(dropped.count) of \(Self.clients) stalled clients were disconnected")
        #expect(lastDrop < Self.dropBound, "the last stalled client was disconnected after \(lastDrop) s")

        // The well-behaved client is still served: another change reaches it.
        try namespace.ip("link", "add", "mark2", "type", "veth", "peer", "name", "mark3")
        #expect(AgentProcess.eventually(seconds: Self.answerBound) { Self.received(good, "mark2") })
        #expect(good.client.isRunning, "the well-behaved client was not dropped")

        // The log names the drops: one line at once, then summaries, adding up to every dropped client.
        let logged = AgentProcess.eventually(seconds: 25) { Self.loggedDrops(agent) >= Self.clients }
        let lines = agent.standardError.split(separator: "\n").filter { $0.contains("event stream client") }
        #expect(logged, "the log counts \(Self.loggedDrops(agent)) dropped clients: \(lines.joined(separator: "\n"))")
        #expect(lines.first?.contains("dropped an event stream client that stopped reading") == true)
        #expect(lines.count <= 6, "a rate-limited summary, not one line per client: \(lines.count) lines")
        #expect(Self.metric(agent, "fabric_event_streams_dropped_total") == Double(Self.clients))
        #expect(Self.metric(agent, "fabric_event_streams") == 1, "only the well-behaved client's stream is open")

        let peakKiB = try #require(SlowPeerSupport.memoryKiB(pid: agent.pid, "VmHWM"))
        let afterKiB = SlowPeerSupport.memoryKiB(pid: agent.pid, "VmRSS") ?? 0
        // Under a sanitizer the peak is mostly the sanitizer's own (TestSanitizer).
        if TestSanitizer.name == nil { #expect(peakKiB < Self.peakBoundMiB * 1024, "peak RSS \(peakKiB / 1024) MiB") }
        print(
            "stalled-clients figure: clients=\(Self.clients) fileLimit=\(fileLimit) connectedAtCheck=\(stillConnected)"
                + " openStreamsAtCheck=\(openStreams) interfacesAnswer=\(String(format: "%.3f", answerSeconds))s"
                + " changeEvent=\(String(format: "%.3f", eventSeconds))s"
                + " firstDrop=\(String(format: "%.1f", dropped.min() ?? -1))s lastDrop=\(String(format: "%.1f", lastDrop))s"
                + " rssBaseline=\(baselineKiB / 1024)MiB peak=\(peakKiB / 1024)MiB after=\(afterKiB / 1024)MiB"
                + " logLines=\(lines.count)")
        churn.stop()
        #expect(agent.stop() == 0)
    }

    @Test func theStreamCapRefusesOneMoreAndFreesAPlaceWithTheResponse() {
        let streams = EventStreams(logger: Logger(label: "test"))
        var slots = (0..<EventStreams.maximumStreams).compactMap { _ in streams.reserve() }
        #expect(slots.count == EventStreams.maximumStreams)
        #expect(streams.reserve() == nil, "one more than the cap is refused")
        #expect(streams.statistics.refused == 1)
        slots.removeLast()
        #expect(streams.statistics.open == EventStreams.maximumStreams - 1)
        #expect(streams.reserve() != nil, "a released place can be taken again")
        slots.removeAll()
        #expect(streams.statistics.open == 0)
    }

    /// The agent closed the connection: the kernel says so without anything being read.
    static func hungUp(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: SlowPeerSupport.pollPeerClosed, revents: 0)
        guard poll(&entry, 1, 0) == 1 else { return false }
        return entry.revents & (SlowPeerSupport.pollPeerClosed | Int16(POLLHUP | POLLERR)) != 0
    }

    static func received(_ stream: EventStream, _ name: String) -> Bool {
        let text = (try? String(contentsOfFile: stream.path, encoding: .utf8)) ?? ""
        return text.contains("\"name\":\"\(name)\"")
    }

    /// The drops the agent's log has counted (the first drop's line and its summaries): the largest
    /// `api.event_streams_dropped` logged.
    static func loggedDrops(_ agent: AgentProcess) -> Int {
        agent.standardError.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "api.event_streams_dropped=") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }.max() ?? 0
    }

    /// A metric of the agent's `/metrics`, or -1.
    static func metric(_ agent: AgentProcess, _ name: String) -> Double {
        guard let metrics = try? agent.curl("/metrics"), metrics.status == 200 else { return -1 }
        return metrics.body.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Double($0.split(separator: " ")[1]) } ?? -1
    }
}
