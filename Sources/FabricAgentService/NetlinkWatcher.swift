// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
public import Logging
public import ServiceLifecycle

/// Keeps the table's links current without polling: a dedicated thread subscribes to rtnetlink link
/// and address notifications, then dumps once (subscribe first, so nothing falls in between), and from
/// then on applies the notifications themselves to its copy of the namespace: a change costs no dump.
///
/// Bursts are coalesced: notifications arriving within ``coalescingWindow`` of each other make one
/// table, at least one per ``maximumCoalescing``. The store keeps only the newest snapshot while it
/// rebuilds, so a burst longer than a rebuild costs one table per rebuild, not one per notification.
/// A fresh dump replaces the replay when events were lost (`ENOBUFS`) and when a burst is so large
/// (more than ``replayLimit`` events) that one dump is cheaper than applying them one by one. Nothing
/// is read while the namespace is quiet.
public struct NetlinkWatcher: Service {
    public var networkNamespace: String?
    public var store: TableStore
    public var logger: Logger
    /// The pause that ends a burst.
    public var coalescingWindow: Duration = .milliseconds(2)
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
        // Each snapshot is whole: while the store rebuilds, only the newest is worth keeping.
        let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1))
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
                var batch = try monitor.waitForEvents(timeout: .milliseconds(250))
                if batch.isEmpty { continue }
                // Coalesce a burst: keep reading while events keep coming, publishing at least every
                // `maximum`. One command sends several notifications microseconds apart (a veth pair is
                // two links), so a short pause ends the burst.
                var burstStart = ContinuousClock.now
                while !stop.isStopped {
                    let more = try monitor.waitForEvents(timeout: window)
                    if more.isEmpty { break }
                    batch.append(more)
                    if ContinuousClock.now - burstStart >= maximum {
                        try publish(batch)
                        batch = NetlinkEventBatch()
                        burstStart = .now
                    }
                }
                if !batch.isEmpty { try publish(batch) }
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
