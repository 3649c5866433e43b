// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
public import Logging
public import ServiceLifecycle

/// Keeps the table's links current without polling: a dedicated thread subscribes to rtnetlink link
/// and address notifications, then dumps once (subscribe first, so nothing falls in between), and
/// blocks in ``NetlinkChangeMonitor/waitForChanges(timeout:)``.
///
/// The monitor says *that* links or addresses changed, not which, so a change is answered with one
/// fresh dump; bursts are coalesced (events arriving within ``coalescingWindow`` of each other share a
/// dump) so creating thousands of links costs a few dumps, not thousands. An overrun (`ENOBUFS`,
/// events lost) is answered the same way: the dump is a full resync. Nothing is dumped while the
/// namespace is quiet.
public struct NetlinkWatcher: Service {
    public var networkNamespace: String?
    public var store: TableStore
    public var logger: Logger
    /// How long a burst may keep extending before the dump happens anyway.
    public var coalescingWindow: Duration = .milliseconds(10)
    public var maximumCoalescing: Duration = .milliseconds(200)

    public init(networkNamespace: String?, store: TableStore, logger: Logger) {
        self.networkNamespace = networkNamespace
        self.store = store
        self.logger = logger
    }

    enum Event: Sendable {
        case snapshot(HostTableBuilder.Sample, reason: String)
        case failed(String)
    }

    public func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(4))
        let stop = StopFlag()
        let namespace = networkNamespace
        let window = coalescingWindow
        let maximum = maximumCoalescing
        BlockingWorker.start(name: "fabric-netlink") {
            Self.watch(namespace: namespace, stop: stop, window: window, maximum: maximum, continuation: continuation)
        }
        try await withGracefulShutdownHandler {
            for await event in events {
                switch event {
                case .snapshot(let sample, let reason):
                    logger.debug(
                        "links dumped",
                        metadata: ["netlink.reason": "\(reason)", "netlink.links": "\(sample.snapshot.links.count)"])
                    await store.linksChanged(sample)
                case .failed(let message):
                    logger.error("netlink watcher failed", metadata: ["error": "\(message)"])
                    stop.stop()
                    throw NetlinkWatcherError(message: message)
                }
            }
        } onGracefulShutdown: {
            stop.stop()
        }
    }

    /// A socket in `/run/netns/NAME`, or in this process's namespace.
    static func openSocket(_ namespace: String?) throws(NetlinkError) -> NetlinkSocket {
        if let namespace { return try NetlinkSocket(networkNamespace: "/run/netns/\(namespace)") }
        return try NetlinkSocket()
    }

    static func openMonitor(_ namespace: String?) throws(NetlinkError) -> NetlinkChangeMonitor {
        if let namespace { return try NetlinkChangeMonitor(networkNamespace: "/run/netns/\(namespace)") }
        return try NetlinkChangeMonitor()
    }

    /// The worker thread's loop; owns both sockets for its whole life.
    private static func watch(
        namespace: String?, stop: StopFlag, window: Duration, maximum: Duration,
        continuation: AsyncStream<Event>.Continuation
    ) {
        defer { continuation.finish() }
        do throws(NetlinkError) {
            var monitor = try openMonitor(namespace)
            let socket = try openSocket(namespace)
            continuation.yield(.snapshot(HostTableBuilder.Sample(snapshot: try socket.snapshot()), reason: "start"))
            while !stop.isStopped {
                var changes = try monitor.waitForChanges(timeout: .milliseconds(250))
                if changes.isEmpty { continue }
                // Coalesce a burst: keep reading while events keep coming, up to `maximum`.
                let burstStart = ContinuousClock.now
                while ContinuousClock.now - burstStart < maximum, !stop.isStopped {
                    let more = try monitor.waitForChanges(timeout: window)
                    if more.isEmpty { break }
                    changes.formUnion(more)
                }
                continuation.yield(.snapshot(HostTableBuilder.Sample(snapshot: try socket.snapshot()), reason: "\(changes)"))
            }
        } catch {
            continuation.yield(.failed("\(error)"))
        }
    }
}

public struct NetlinkWatcherError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "netlink watcher: \(message)" }
}
