// SPDX-License-Identifier: Apache-2.0
public import FabricInventory
public import FabricOVSDB
public import NIOCore
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

    public init(version: UInt64, table: HostTable, changes: TableChanges? = nil) {
        self.version = version
        self.table = table
        self.changes = changes
    }

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
    private let cache = Mutex<ByteBuffer?>(nil)

    func buffer(_ encode: () -> ByteBuffer) -> ByteBuffer {
        cache.withLock { cached in
            if let cached { return cached }
            let buffer = encode()
            cached = buffer
            return buffer
        }
    }
}

/// The single owner of the agent's current host table. The netlink watcher, the counter sampler and
/// the OVSDB monitor feed it facts; it rebuilds the table and broadcasts every change to subscribers
/// (the `/v1/events` streams). Statistics and rates move only with counter samples, so a fact that does
/// not change the table (a link event that only carried newer counters) updates it silently, and
/// subscribers see one event per real change plus one per counter sample. A counter sample only
/// refreshes the statistics and rates of the rows it has (no sysfs, configuration files or
/// classification); links, addresses, OVS and configuration changes rebuild the whole table.
public actor TableStore {
    private var builder: HostTableBuilder
    private var latest: HostTableBuilder.Sample?
    /// The two most recent counter samples; rates are computed between them so that link events in
    /// between do not shorten the interval.
    private var rates = RateWindow()
    /// The newest publication whose JSON is encoded. `/v1/interfaces` serves it while a newer version
    /// is being encoded in the background, so no request waits for an encoding (the p99 under load).
    private var encodedPublication: TablePublication?
    /// When `/v1/interfaces` was last asked for: encoding ahead is worth it only while someone asks.
    private var lastDocumentRequest: ContinuousClock.Instant?
    /// The version being encoded in the background, if any. One encoding at a time: the other core
    /// stays free for event streams and requests while a 2 MB document is encoded.
    private var encodingVersion: UInt64?
    private var switchState: SwitchState?
    private var ovsdbStatus: HostTable.OVSDBStatus
    private var current: TablePublication?
    private var subscribers: [UInt64: AsyncStream<TablePublication>.Continuation] = [:]
    private var nextSubscriber: UInt64 = 0
    private var closed = false

    public init(builder: HostTableBuilder, ovsdbEndpoint: String) {
        self.builder = builder
        self.ovsdbStatus = HostTable.OVSDBStatus(
            endpoint: ovsdbEndpoint, reachable: false, error: "not connected yet")
    }

    /// How often the netlink watcher found its socket overrun (`ENOBUFS`: the kernel dropped notifications)
    /// since the agent started; each time the table was rebuilt from a full dump. `/metrics` exports it.
    public private(set) var netlinkOverruns = 0

    /// The latest table, or `nil` before the first netlink snapshot.
    public var publication: TablePublication? { current }

    /// A fresh link dump after a netlink change (or at start, or after an overrun).
    public func linksChanged(_ sample: HostTableBuilder.Sample) {
        latest = sample
        rebuild()
    }

    /// The watcher's running total of overruns.
    public func netlinkOverrunsCounted(_ total: Int) {
        netlinkOverruns = max(netlinkOverruns, total)
    }

    /// A periodic counter sample: moves the rate window and always publishes.
    public func countersSampled(_ sample: RateWindow.Reading) {
        rates.add(sample)
        // Until the watcher's first snapshot there is no table to refresh.
        guard var table = current?.table else { return }
        // Links the sample has that the table lacks (or the reverse) arrive with the watcher's events.
        rates.apply(to: &table)
        table.sampledAt = sample.wallTime
        publish(table)
    }

    /// The OVS database's view; `nil` state with an unreachable status while disconnected.
    public func switchChanged(_ state: SwitchState?, status: HostTable.OVSDBStatus) {
        switchState = state
        ovsdbStatus = status
        rebuild()
    }

    /// New file locations after a configuration reload.
    public func reconfigure(builder: HostTableBuilder) {
        self.builder = builder
        rebuild()
    }

    /// Every publication from now on, starting with the current one. The stream keeps only the newest
    /// unread publication, so a slow reader skips versions instead of buffering without bound.
    public func subscribe() -> AsyncStream<TablePublication> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: TablePublication.self, bufferingPolicy: .bufferingNewest(1))
        if closed {
            continuation.finish()
            return stream
        }
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        if let current { continuation.yield(current) }
        return stream
    }

    /// Ends every subscription (graceful shutdown) and refuses new ones.
    public func close() {
        closed = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    private func unsubscribe(_ id: UInt64) {
        subscribers[id] = nil
    }

    private func rebuild() {
        guard let latest else { return }
        var table = builder.table(sample: latest, switchState: switchState, ovsdb: ovsdbStatus)
        // Counters move only with counter samples: the watcher's copy of a link carries the counters of
        // its last notification (or of the first dump), older than any sample. Links not sampled yet
        // keep those.
        rates.apply(to: &table)
        if let current, current.table.interfaces == table.interfaces, current.table.sources == table.sources {
            return
        }
        publish(table)
    }

    private func publish(_ table: HostTable) {
        let version = (current?.version ?? 0) + 1
        // Only event streams read the changes; without one, comparing 4,096 rows is wasted.
        let changes = subscribers.isEmpty ? nil : current.map { TableChanges(from: $0.table, to: table, version: version) }
        // Replacing `current` drops the previous version (and its JSON) unless a response still holds it.
        let publication = TablePublication(version: version, table: table, changes: changes)
        current = publication
        if documentRecentlyAsked {
            if encodingVersion == nil { encodeInBackground(publication) }  // else `encoded` picks it up
        } else if encodingVersion == nil {
            encodedPublication = nil  // nobody asks: keep one table alive, not two
        }
        for continuation in subscribers.values { continuation.yield(publication) }
    }

    /// Encoding ahead is worth it only while someone asks for the document.
    private var documentRecentlyAsked: Bool {
        guard let asked = lastDocumentRequest else { return false }
        return asked.duration(to: .now) < .seconds(60)
    }

    /// On a thread of its own at a lower priority: under load the request handlers keep the CPU, and
    /// requests are served the previous document until this one is ready.
    private func encodeInBackground(_ publication: TablePublication) {
        encodingVersion = publication.version
        WorkerThread.start(name: "fabric-encoder", niceness: 10) { [weak self] in
            _ = publication.json
            Task { await self?.encoded(publication) }
        }
    }

    private func encoded(_ publication: TablePublication) {
        if publication.version > encodedPublication?.version ?? 0 { encodedPublication = publication }
        encodingVersion = nil
        // Versions published meanwhile were not encoded; the newest of them is now.
        if let current, current.version > publication.version, documentRecentlyAsked { encodeInBackground(current) }
    }

    /// The table for `GET /v1/interfaces`: the newest version already encoded, else the current one
    /// (encoded by the caller). While newer versions are encoded in the background, requests get the
    /// previous one, at most two encoding times older.
    public func documentPublication() -> TablePublication? {
        lastDocumentRequest = .now
        guard let current else { return nil }
        if let encodedPublication, encodingVersion != nil { return encodedPublication }
        encodedPublication = current
        return current
    }
}
