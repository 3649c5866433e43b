// SPDX-License-Identifier: Apache-2.0
import NIOConcurrencyHelpers
public import Hummingbird
public import Logging
import NIOCore
import Synchronization

/// The request context of the agent's API: Hummingbird's basic one plus the connection, so that
/// `/v1/events` can close the connection of a client that stopped reading (``EventStreams``).
public struct AgentRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's connection.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}

/// Keeps `/v1/events` streams from costing the agent more than it can give: at most
/// ``maximumStreams`` at once, and a client that takes none of an event for ``writeDeadline`` is
/// disconnected.
///
/// Why: a stream's writes wait while the client's socket buffer (and NIO's 64 KiB above it) is full, so
/// a client that never reads would hold its connection, its file descriptor and the table versions it
/// was sent for as long as it stays connected. Neither limit is a setting: no admin has a reason to
/// tune them (a reading client takes an event in milliseconds; 1,024 streams are far more than the web
/// page and a few monitors need), so they are documented constants (docs/agent.md, "Events").
public final class EventStreams: Sendable {
    /// How long one event may wait for the client's connection to take it.
    public static let writeDeadline: Duration = .seconds(10)
    /// Event streams open at once; more are answered 503. The unit's `LimitNOFILE=4096` leaves room
    /// above it for every other request and the agent's own descriptors.
    public static let maximumStreams = 1024
    /// A burst of drops logs one line at once and one summary line per window after it.
    static let logWindow: Duration = .seconds(10)

    /// What `/metrics` shows of the streams.
    public struct Statistics: Sendable, Hashable {
        /// Streams open now.
        public var open = 0
        /// Clients disconnected so far because they did not read.
        public var dropped = 0
        /// Streams answered 503 because ``EventStreams/maximumStreams`` were open.
        public var refused = 0
    }

    private struct State {
        var open = 0
        var dropped = 0
        var refused = 0
        /// Drops since the last line while a window is open; `nil` when no window is open.
        var unlogged: Int?
    }

    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public var statistics: Statistics {
        state.withLockedValue { Statistics(open: $0.open, dropped: $0.dropped, refused: $0.refused) }
    }

    /// A place for one more stream, or `nil` when ``maximumStreams`` are open. The place is given
    /// back when the slot is released (with the response), however the stream ends.
    package func reserve() -> Slot? {
        let reserved = state.withLockedValue { state in
            guard state.open < Self.maximumStreams else {
                state.refused += 1
                return false
            }
            state.open += 1
            return true
        }
        return reserved ? Slot(streams: self) : nil
    }

    fileprivate func release() {
        state.withLockedValue { $0.open -= 1 }
    }

    /// Writes one event's buffers; when the connection does not take them within ``writeDeadline``,
    /// closes it (its pending writes fail, so the write throws) and logs the drop.
    func write(_ buffers: [ByteBuffer], to writer: inout any ResponseBodyWriter, on channel: any Channel) async throws {
        let expired = Expiry()
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(Self.writeDeadline))) {
            expired.flag.store(true, ordering: .relaxed)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await writer.write(contentsOf: buffers)
        } catch {
            if expired.flag.load(ordering: .relaxed) { droppedClient(channel) }
            throw error
        }
    }

    /// Ends the response the same way (the client may stall on its last bytes too).
    func finish(_ writer: inout any ResponseBodyWriter, on channel: any Channel) async throws {
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(Self.writeDeadline))) {
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        try await writer.finish(nil)
    }

    /// One line for the first drop, then at most one summary line per ``logWindow``: a local user can
    /// make the agent drop clients at will (connect, never read), and one line per drop would let them
    /// flood the journal, whose per-service rate limit would then swallow the agent's other lines too.
    private func droppedClient(_ channel: any Channel) {
        let (total, first) = state.withLockedValue { state -> (Int, Bool) in
            state.dropped += 1
            guard let unlogged = state.unlogged else {
                state.unlogged = 0
                return (state.dropped, true)
            }
            state.unlogged = unlogged + 1
            return (state.dropped, false)
        }
        guard first else { return }
        logger.notice(
            "dropped an event stream client that stopped reading",
            metadata: [
                "api.write_deadline_seconds": "\(Self.writeDeadline.components.seconds)",
                "api.peer": "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")",
                "api.event_streams_dropped": "\(total)",
            ])
        Task { await self.summarizeDrops() }
    }

    /// Waits a window, then logs how many more clients were dropped in it; the window ends once one
    /// passes without drops.
    private func summarizeDrops() async {
        while true {
            try? await Task.sleep(for: Self.logWindow)
            let (count, total) = state.withLockedValue { state -> (Int, Int) in
                let count = state.unlogged ?? 0
                state.unlogged = count > 0 ? 0 : nil
                return (count, state.dropped)
            }
            guard count > 0 else { return }
            logger.notice(
                "dropped more event stream clients that stopped reading",
                metadata: [
                    "api.event_streams_dropped_since_last_line": "\(count)", "api.event_streams_dropped": "\(total)",
                    "api.event_streams_open": "\(statistics.open)",
                ])
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// Set by the deadline's timer (on the event loop), read by the writer after its write failed.
    private final class Expiry: Sendable {
        let flag = Atomic<Bool>(false)
    }

    /// One reserved stream; gives its place back when released.
    package final class Slot: Sendable {
        private let streams: EventStreams

        fileprivate init(streams: EventStreams) {
            self.streams = streams
        }

        deinit {
            streams.release()
        }
    }
}
