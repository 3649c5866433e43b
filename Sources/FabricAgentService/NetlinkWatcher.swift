// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
public import Logging
public import ServiceLifecycle

/// Keeps the table's links current without polling: a dedicated thread subscribes to rtnetlink link
/// and address notifications, then dumps once (subscribe first, so nothing falls in between), and from
/// then on applies the notifications themselves to its copy of the namespace: a change costs no dump.
///
/// The first notification after a quiet spell makes a table ``settle`` later, with the rest of its command (a
/// veth pair is two notifications); those that follow within ``coalescingWindow`` of each other are coalesced
/// into one more, at least one per ``maximumCoalescing``. Only the newest snapshot waits while the updater
/// rebuilds, so a burst longer than a rebuild costs one table per rebuild, not one per notification.
/// A fresh dump replaces the replay when events were lost (`ENOBUFS`) and when a burst is so large
/// (more than ``replayLimit`` events) that one dump is cheaper than applying them one by one. Nothing
/// is read while the namespace is quiet. Lost events are counted (``TableStore/netlinkOverruns``, the metric
/// `fabric_netlink_overruns_total`) and logged as a warning, at most once a minute, since an admin who sees them
/// often should raise ``receiveBufferSize`` (`netlink-receive-buffer`).
public struct NetlinkWatcher: Service {
    public var networkNamespace: String?
    public var updater: HostTableUpdater
    public var logger: Logger
    /// How long the first notification after a quiet spell waits for the rest of its command.
    public var settle: Duration = .milliseconds(1)
    /// The pause that ends a burst.
    public var coalescingWindow: Duration = .milliseconds(2)
    public var maximumCoalescing: Duration = .milliseconds(200)
    /// Bursts with more events than this are answered with a dump instead of a replay.
    public var replayLimit = 512
    /// The event socket's receive buffer in bytes (`netlink-receive-buffer`).
    public var receiveBufferSize = NetlinkSocket.receiveBufferSize

    public init(networkNamespace: String?, updater: HostTableUpdater, logger: Logger) {
        self.networkNamespace = networkNamespace
        self.updater = updater
        self.logger = logger
    }

    enum Event: Sendable {
        /// `overruns` is the running total since the start: the stream keeps only the newest event, so a
        /// count per event would be lost with the events the consumer skips.
        case snapshot(HostTableBuilder.Sample, reason: String, overruns: Int)
        case failed(String)
    }

    public func run() async throws {
        let namespace = networkNamespace
        let coalescer = BurstCoalescer<ContinuousClock.Instant>(
            settle: settle, window: coalescingWindow, maximum: maximumCoalescing)
        let replayLimit = replayLimit
        let receiveBufferSize = receiveBufferSize
        let logger = logger
        var counted = 0
        var lastWarning: ContinuousClock.Instant?
        try await ThreadedService.run(name: "fabric-netlink") { stop, yield in
            Self.watch(
                namespace: namespace, receiveBufferSize: receiveBufferSize, stop: stop, coalescer: coalescer,
                replayLimit: replayLimit, logger: logger, yield: yield)
        } consume: { (event: Event) in
            switch event {
            case .snapshot(let sample, let reason, let overruns):
                logger.debug(
                    "links updated",
                    metadata: ["netlink.reason": "\(reason)", "netlink.links": "\(sample.snapshot.links.count)"])
                await updater.linksChanged(sample)
                guard overruns > counted else { break }
                updater.store.netlinkOverrunsCounted(overruns)
                // A burst can overrun the socket every few hundred milliseconds; one warning a minute says it.
                let level: Logger.Level = lastWarning.map { $0.duration(to: .now) < .seconds(60) } == true ? .debug : .warning
                if level == .warning { lastWarning = .now }
                logger.log(
                    level: level, "netlink notifications were lost (receive buffer overrun); the table was rebuilt from a full dump",
                    metadata: [
                        "netlink.overruns": "\(overruns)", "netlink.new_overruns": "\(overruns - counted)",
                        "netlink.receive_buffer": "\(receiveBufferSize)",
                    ])
                counted = overruns
            case .failed(let message):
                logger.error("netlink watcher failed", metadata: ["error": "\(message)"])
                throw NetlinkWatcherError(message: message)
            }
        }
    }

    /// How soon an interrupted dump is tried again when no event comes first.
    static let resyncRetry: Duration = .milliseconds(50)

    /// A socket in `/run/netns/NAME`, or in this process's namespace.
    static func openSocket(_ namespace: String?) throws(NetlinkError) -> NetlinkSocket {
        if let namespace { return try NetlinkSocket(networkNamespace: "/run/netns/\(namespace)") }
        return try NetlinkSocket()
    }

    static func openMonitor(_ namespace: String?, receiveBufferSize: Int32) throws(NetlinkError) -> NetlinkChangeMonitor {
        if let namespace {
            return try NetlinkChangeMonitor(
                networkNamespace: "/run/netns/\(namespace)", receiveBufferSize: receiveBufferSize)
        }
        return try NetlinkChangeMonitor(receiveBufferSize: receiveBufferSize)
    }

    /// The worker thread's loop; owns both sockets and the namespace's current state for its whole life. It
    /// blocks in `poll` on the netlink socket and the stop signal's eventfd, and nowhere else.
    private static func watch(
        namespace: String?, receiveBufferSize: Int32, stop: StopSignal,
        coalescer: BurstCoalescer<ContinuousClock.Instant>, replayLimit: Int, logger: Logger,
        yield: (Event) -> Void
    ) {
        do throws(NetlinkError) {
            var monitor = try openMonitor(namespace, receiveBufferSize: receiveBufferSize)
            let granted = monitor.grantedReceiveBufferSize
            if granted < Int(receiveBufferSize) {
                // Without CAP_NET_ADMIN the kernel caps the buffer at net.core.rmem_max, without an error. A notice,
                // not a warning: the unit runs without capabilities, so the default size is capped on most hosts.
                logger.notice(
                    "the netlink receive buffer is smaller than netlink-receive-buffer: raise net.core.rmem_max",
                    metadata: ["netlink.receive_buffer": "\(receiveBufferSize)", "netlink.granted": "\(granted)"])
            } else {
                logger.debug("netlink receive buffer", metadata: ["netlink.granted": "\(granted)"])
            }
            let socket = try openSocket(namespace)
            var current = try socket.snapshot()
            var overruns = 0
            yield(.snapshot(HostTableBuilder.Sample(snapshot: current), reason: "start", overruns: overruns))
            // A dump the kernel keeps interrupting (links changing faster than it is read, for longer than
            // the snapshot's retries) is owed, not fatal: the table keeps its last state until a later dump
            // gets through, tried again at the next events or after a short pause.
            var resyncOwed = false
            func publish(_ batch: NetlinkEventBatch) throws(NetlinkError) {
                let reason: String
                if batch.needsResync || resyncOwed || batch.events.count > replayLimit {
                    do {
                        current = try socket.snapshot()
                        resyncOwed = false
                    } catch where error == .dumpInterrupted {
                        resyncOwed = true
                        logger.debug("netlink dump interrupted; trying again", metadata: ["error": "\(error)"])
                        return
                    }
                    reason = "dump after \(batch.events.count) events \(batch.changes)"
                } else {
                    current.apply(batch)
                    reason = "\(batch.events.count) events \(batch.changes)"
                }
                yield(.snapshot(HostTableBuilder.Sample(snapshot: current), reason: reason, overruns: overruns))
            }
            var coalescer = coalescer
            var batch = NetlinkEventBatch()
            while !stop.isStopped {
                let waitFor = coalescer.waitTimeout(at: .now)
                let timeout = resyncOwed ? min(waitFor ?? Self.resyncRetry, Self.resyncRetry) : waitFor
                let more = try monitor.waitForEvents(timeout: timeout, wakeDescriptor: stop.wakeDescriptor)
                if more.isEmpty {
                    if coalescer.timedOut(at: .now) || resyncOwed {
                        try publish(batch)
                        batch = NetlinkEventBatch()
                    }
                    continue
                }
                // Each read that found the socket overrun counts once: the kernel reports ENOBUFS once per
                // overflow, and a long burst can overflow it again while the watcher catches up.
                if more.needsResync { overruns += 1 }
                batch.append(more)
                if coalescer.eventsArrived(at: .now) {
                    try publish(batch)
                    batch = NetlinkEventBatch()
                }
            }
        } catch {
            yield(.failed("\(error)"))
        }
    }
}

public struct NetlinkWatcherError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "netlink watcher: \(message)" }
}
