// SPDX-License-Identifier: Apache-2.0
import NIOConcurrencyHelpers
public import FabricInventory
public import NIOCore
import FabricPOSIX
import Synchronization

/// One version of the table as served: the document, its JSON, a version number that grows by one per
/// change and, while someone listens to `/v1/events`, the changes from the previous version. Both JSON
/// forms are encoded on first use (most versions, one per counter sample, are never asked for) and then
/// shared by every response of that version without copying.
public struct TablePublication: Sendable {
    public var version: UInt64
    public var table: HostTable
    /// The difference from version `version - 1`; `nil` for the first version and for versions
    /// published while nobody subscribed.
    public var changes: TableChanges?
    private let encodedTable = EncodedOnce()
    private let encodedChanges = EncodedOnce()

    /// The networks of this version's table (`/v1/networks`).
    public var networks: HostNetworks
    /// A revision of ``networks`` that moves whenever they change (anything but `sampledAt`), also when the table
    /// did not (then ``version`` stays): a stream that asked for the networks sends them again when this moves,
    /// even across versions it skipped.
    public var networksVersion: UInt64
    private let encodedNetworks = EncodedOnce()

    public init(
        version: UInt64, table: HostTable, changes: TableChanges? = nil, networks: HostNetworks? = nil,
        networksVersion: UInt64? = nil
    ) {
        self.version = version
        self.table = table
        self.changes = changes
        self.networks = networks ?? HostNetworks(table: table, vdsm: VDSMNetworkConfig())
        self.networksVersion = networksVersion ?? version
    }

    /// The compact JSON of ``networks``.
    public var networksJSON: ByteBuffer { encodedNetworks.buffer { ByteBuffer(bytes: CompactJSON.encode(networks)) } }

    /// The compact JSON document (`fabric-agent show --json` bytes, not pretty-printed).
    public var json: ByteBuffer { encodedTable.buffer { CompactJSON.encodeTable(table) } }

    /// The compact JSON of ``changes``.
    public var changesJSON: ByteBuffer? {
        guard let changes else { return nil }
        return encodedChanges.buffer { ByteBuffer(bytes: CompactJSON.encode(changes)) }
    }
}

/// The once-per-version encoding. Concurrent first readers wait for one encoder instead of each
/// encoding 2 MB.
final class EncodedOnce: Sendable {
    private let cache = NIOLockedValueBox<ByteBuffer?>(nil)

    func buffer(_ encode: () -> ByteBuffer) -> ByteBuffer {
        cache.withLockedValue { cached in
            if let cached { return cached }
            let buffer = encode()
            cached = buffer
            return buffer
        }
    }
}

/// The published versions of the host table and their readers: `/v1/interfaces` and `/metrics` ask for the
/// current one, `/v1/events` streams and the engine push subscribe. Tables come from ``HostTableUpdater``,
/// which builds them on a thread of its own and publishes from there. Everything here takes microseconds,
/// so it is a lock rather than an actor: a request reads the current version without a hop onto another
/// executor, and a new version reaches the streams without one.
public final class TableStore: Sendable {
    private struct State {
        var current: TablePublication?
        /// The newest publication whose JSON is encoded. `/v1/interfaces` serves it while a newer version
        /// is being encoded in the background, so no request waits for an encoding (the p99 under load).
        var encodedPublication: TablePublication?
        /// When `/v1/interfaces` was last asked for: encoding ahead is worth it only while someone asks.
        var lastDocumentRequest: ContinuousClock.Instant?
        /// The version being encoded in the background, if any. One encoding at a time: the other core
        /// stays free for event streams and requests while a 2 MB document is encoded.
        var encodingVersion: UInt64?
        var subscribers: [UInt64: AsyncStream<TablePublication>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
        var closed = false

        /// Encoding ahead is worth it only while someone asks for the document.
        var documentRecentlyAsked: Bool {
            guard let asked = lastDocumentRequest else { return false }
            return asked.duration(to: .now) < .seconds(60)
        }
    }

    private let state = NIOLockedValueBox(State())
    /// How many streams listen: the updater computes a version's changes only while someone will read them.
    private let listeners = Atomic<Int>(0)
    private let overruns = Atomic<Int>(0)

    public init() {}

    /// The latest table, or `nil` before the first netlink snapshot.
    public var publication: TablePublication? { state.withLockedValue { $0.current } }

    /// Whether any stream would read a version's changes.
    var hasListeners: Bool { listeners.load(ordering: .relaxed) > 0 }

    /// How often the netlink watcher found its socket overrun (`ENOBUFS`: the kernel dropped notifications)
    /// since the agent started; each time the table was rebuilt from a full dump. `/metrics` exports it.
    public var netlinkOverruns: Int { overruns.load(ordering: .relaxed) }

    /// The watcher's running total of overruns.
    public func netlinkOverrunsCounted(_ total: Int) {
        _ = overruns.max(total, ordering: .relaxed)
    }

    /// Every publication from now on, starting with the current one. The stream keeps only the newest
    /// unread publication, so a slow reader skips versions instead of buffering without bound.
    public func subscribe() -> AsyncStream<TablePublication> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: TablePublication.self, bufferingPolicy: .bufferingNewest(1))
        let id: UInt64? = state.withLockedValue { state in
            guard !state.closed else { return nil }
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            listeners.store(state.subscribers.count, ordering: .relaxed)
            if let current = state.current { continuation.yield(current) }
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        // A strong reference, not `[weak self]`: the store keeps the continuation and the continuation this
        // handler only until the stream ends (its reader drops it, or `close()`), which runs the handler and
        // drops both. A weak reference would give the store a side table that only the store's reference
        // count points to, in a shifted form LeakSanitizer cannot follow, so a store alive at exit read as a leak.
        continuation.onTermination = { _ in self.unsubscribe(id) }
        return stream
    }

    /// Ends every subscription (graceful shutdown) and refuses new ones.
    public func close() {
        let ended = state.withLockedValue { state in
            state.closed = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        listeners.store(0, ordering: .relaxed)
        for continuation in ended { continuation.finish() }
    }

    private func unsubscribe(_ id: UInt64) {
        state.withLockedValue { state in
            state.subscribers[id] = nil
            listeners.store(state.subscribers.count, ordering: .relaxed)
        }
    }

    /// Makes `table` the current version. `changes` lead from the current version to it; `nil` when nobody
    /// listened as it was built (a stream that started meanwhile is sent the whole table).
    func publish(
        _ table: HostTable, networks: HostNetworks?, version: UInt64, changes: TableChanges?, networksVersion: UInt64? = nil
    ) {
        let publication = TablePublication(
            version: version, table: table, changes: changes, networks: networks, networksVersion: networksVersion)
        let (subscribers, encode, replaced) = state.withLockedValue { state in
            let replaced = (state.current, state.encodedPublication)
            state.current = publication
            var encode = false
            if state.documentRecentlyAsked {
                if state.encodingVersion == nil {  // else `encoded` picks it up
                    state.encodingVersion = version
                    encode = true
                }
            } else if state.encodingVersion == nil {
                state.encodedPublication = nil  // nobody asks: keep one table alive, not two
            }
            return (Array(state.subscribers.values), encode, replaced)
        }
        // The streams first: a link event's changes go out before anything else is done here.
        for continuation in subscribers { continuation.yield(publication) }
        if encode { encodeInBackground(publication) }
        // The previous version (4,096 rows and their JSON) is released only now, unless a response still holds it.
        withExtendedLifetime(replaced) {}
    }

    /// On a thread of its own at a lower priority: under load the request handlers keep the CPU, and
    /// requests are served the previous document until this one is ready.
    private func encodeInBackground(_ publication: TablePublication) {
        // Strong for the same reason as in `subscribe()`; the thread holds the store only while it encodes.
        WorkerThread.start(name: "fabric-encoder", niceness: 10) {
            _ = publication.json
            self.encoded(publication)
        }
    }

    private func encoded(_ publication: TablePublication) {
        let next: TablePublication? = state.withLockedValue { state in
            if publication.version > state.encodedPublication?.version ?? 0 { state.encodedPublication = publication }
            state.encodingVersion = nil
            // Versions published meanwhile were not encoded; the newest of them is now.
            guard let current = state.current, current.version > publication.version, state.documentRecentlyAsked
            else { return nil }
            state.encodingVersion = current.version
            return current
        }
        if let next { encodeInBackground(next) }
    }

    /// The table for `GET /v1/interfaces`: the newest version already encoded, else the current one
    /// (encoded by the caller). While newer versions are encoded in the background, requests get the
    /// previous one, at most two encoding times older.
    public func documentPublication() -> TablePublication? {
        state.withLockedValue { state in
            state.lastDocumentRequest = .now
            guard let current = state.current else { return nil }
            if let encodedPublication = state.encodedPublication, state.encodingVersion != nil { return encodedPublication }
            state.encodedPublication = current
            return current
        }
    }
}
