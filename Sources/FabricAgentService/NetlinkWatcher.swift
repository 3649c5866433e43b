// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
public import Logging
public import ServiceLifecycle

/// Keeps the table's links current without polling: a dedicated thread subscribes to rtnetlink link
/// and address notifications, then dumps once (subscribe first, so nothing falls in between), and from
/// then on applies the notifications themselves to its copy of the namespace: a change costs no dump.
///
/// The first notifications after a quiet period are published at once; the rest of a burst is
/// coalesced (notifications arriving within ``coalescingWindow`` of each other make one table, at least
/// one per ``maximumCoalescing``), so creating thousands of links costs a few tables, not thousands. A fresh dump replaces the
/// replay when events were lost (`ENOBUFS`) and when a burst is so large (more than
/// ``replayLimit`` events) that one dump is cheaper than applying them one by one. Nothing is read
/// while the namespace is quiet.
public struct NetlinkWatcher: Service {
    public var networkNamespace: String?
    public var store: TableStore
    public var logger: Logger
    /// The pause that ends a burst.
    public var coalescingWindow: Duration = .milliseconds(10)
    public var maximumCoalescing: Duration = .milliseconds(200)
    /// Bursts with more events than this are answered with a dump instead of a replay.
    public var replayLimit = 512

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
        let replayLimit = replayLimit
        BlockingWorker.start(name: "fabric-netlink") {
            Self.watch(
                namespace: namespace, stop: stop, window: window, maximum: maximum, replayLimit: replayLimit,
                continuation: continuation)
        }
        try await withGracefulShutdownHandler {
            for await event in events {
                switch event {
                case .snapshot(let sample, let reason):
                    logger.debug(
                        "links updated",
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

    /// The worker thread's loop; owns both sockets and the namespace's current state for its whole life.
    private static func watch(
        namespace: String?, stop: StopFlag, window: Duration, maximum: Duration, replayLimit: Int,
        continuation: AsyncStream<Event>.Continuation
    ) {
        defer { continuation.finish() }
        do throws(NetlinkError) {
            var monitor = try openMonitor(namespace)
            let socket = try openSocket(namespace)
            var current = try socket.snapshot()
            continuation.yield(.snapshot(HostTableBuilder.Sample(snapshot: current), reason: "start"))
            func publish(_ batch: NetlinkEventBatch) throws(NetlinkError) {
                let reason: String
                if batch.needsResync || batch.events.count > replayLimit {
                    current = try socket.snapshot()
                    reason = "dump after \(batch.events.count) events \(batch.changes)"
                } else {
                    current.apply(batch)
                    reason = "\(batch.events.count) events \(batch.changes)"
                }
                continuation.yield(.snapshot(HostTableBuilder.Sample(snapshot: current), reason: reason))
            }
            while !stop.isStopped {
                let first = try monitor.waitForEvents(timeout: .milliseconds(250))
                if first.isEmpty { continue }
                // Leading edge: a lone change (one `ip link add`) is published at once.
                try publish(first)
                // The rest of a burst is coalesced: published when it pauses for `window`, and at least
                // every `maximum` while it goes on.
                var pending = NetlinkEventBatch()
                var burstStart = ContinuousClock.now
                while !stop.isStopped {
                    let more = try monitor.waitForEvents(timeout: window)
                    if more.isEmpty { break }
                    pending.append(more)
                    if ContinuousClock.now - burstStart >= maximum {
                        try publish(pending)
                        pending = NetlinkEventBatch()
                        burstStart = .now
                    }
                }
                if !pending.isEmpty { try publish(pending) }
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
