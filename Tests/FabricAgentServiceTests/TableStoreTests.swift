// SPDX-License-Identifier: Apache-2.0
@testable import FabricAgentService
import FabricInventory
import FabricNetlink
import FabricOVSDB
import Foundation
import NIOCore
import Testing

/// The agent's table path as the daemon wires it: facts into the ``HostTableUpdater`` (on its own thread),
/// versions out of the ``TableStore``.
struct TablePipeline {
    let store = TableStore()
    let updater: HostTableUpdater

    init(builder: HostTableBuilder = TableStoreTests.builder) {
        updater = HostTableUpdater(builder: builder, ovsdbEndpoint: "unix:/nonexistent.sock", store: store)
    }

    func linksChanged(_ sample: HostTableBuilder.Sample) async { await updater.linksChanged(sample) }
    func countersSampled(_ reading: RateWindow.Reading) async { await updater.countersSampled(reading) }
    func switchChanged(_ state: SwitchState?, status: HostTable.OVSDBStatus) async {
        await updater.switchChanged(state, status: status)
    }

    var publication: TablePublication? { get async { store.publication } }
    func documentPublication() async -> TablePublication? { store.documentPublication() }
    func subscribe() async -> AsyncStream<TablePublication> { store.subscribe() }
}

@Suite struct TableStoreTests {
    /// An empty root: no sysfs, no VDSM or Neutron files, so rows come from the snapshot alone.
    static let builder = HostTableBuilder(files: HostFiles(root: "/nonexistent-fabric-root"))

    static func sample(_ links: [(name: String, rxBytes: UInt64)], second: UInt64) -> HostTableBuilder.Sample {
        let snapshot = NetlinkSnapshot(
            links: links.enumerated().map { offset, link in
                Link(index: Int32(offset + 1), name: link.name, kind: "dummy",
                     statistics: LinkStatistics(rxBytes: link.rxBytes))
            },
            addresses: [])
        return HostTableBuilder.Sample(snapshot: snapshot, monotonicTime: second * 1_000_000_000, wallTime: Double(second))
    }

    /// A counter sample of the same links (ifindex = position + 1, as in ``sample(_:second:)``).
    static func counters(_ links: [(name: String, rxBytes: UInt64)], second: UInt64) -> RateWindow.Reading {
        RateWindow.Reading(
            links.enumerated().map { LinkCounters(index: Int32($0.offset + 1), statistics: LinkStatistics(rxBytes: $0.element.rxBytes)) },
            monotonicTime: second * 1_000_000_000, wallTime: Double(second))
    }

    @Test func counterSamplesRefreshStatisticsAndRatesOfExistingRows() async throws {
        let store = TablePipeline()
        await store.linksChanged(Self.sample([("d0", 0), ("d1", 0)], second: 1))
        let first = try #require(await store.publication)
        await store.countersSampled(Self.counters([("d0", 1_000), ("d1", 0)], second: 2))
        // A link only the counter sample has waits for the watcher's dump; no rebuild here.
        await store.countersSampled(Self.counters([("d0", 126_000), ("d1", 0), ("new0", 5)], second: 3))
        let table = try #require(await store.publication).table
        #expect(table.interfaces.map(\.name) == ["d0", "d1"])
        #expect(table.interfaces[0].statistics.rxBytes == 126_000)
        #expect(table.interfaces[0].rates?.rxMbps == 1.0, "125,000 bytes in one second")
        #expect(table.interfaces[1].rates?.rxMbps == 0)
        #expect(table.intervalSeconds == 1)
        #expect(table.sampledAt == 3)
        #expect(table.interfaces[0].classification == first.table.interfaces[0].classification)
        #expect(try #require(await store.publication).version == first.version + 2)

        await store.linksChanged(Self.sample([("d0", 126_000), ("d1", 0), ("new0", 5)], second: 3))
        let rebuilt = try #require(await store.publication).table
        #expect(rebuilt.interfaces.map(\.name) == ["d0", "d1", "new0"])
        #expect(rebuilt.interfaces[0].rates?.rxMbps == 1.0, "rates stay those of the two latest counter samples")
    }

    @Test func jsonIsEncodedOncePerVersionAndMatchesTheTable() async throws {
        let store = TablePipeline()
        await store.linksChanged(Self.sample([("d0", 7)], second: 1))
        let publication = try #require(await store.documentPublication())
        let first = publication.json
        let again = try #require(await store.documentPublication()).json
        #expect(first == again)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(first.readableBytesView)) as? [String: Any])
        let rows = try #require(object["interfaces"] as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == ["d0"])
    }

    @Test func addressesSurviveARebuildAfterLinksOnlyCounterSamples() async throws {
        let store = TablePipeline()
        var withAddress = Self.sample([("d0", 10)], second: 1)
        withAddress.snapshot.addresses = [InterfaceAddress(linkIndex: 1, family: .ipv4, address: "192.0.2.9", prefixLength: 24)]
        await store.linksChanged(withAddress)
        // Counter samples are one link dump: no addresses.
        await store.countersSampled(Self.counters([("d0", 20)], second: 2))
        await store.countersSampled(Self.counters([("d0", 30)], second: 3))
        // Something else changes (OVS goes away): a full rebuild from the watcher's snapshot.
        await store.switchChanged(nil, status: HostTable.OVSDBStatus(endpoint: "unix:/x", reachable: false, error: "gone"))
        let row = try #require(await store.publication?.table.interfaces.first)
        #expect(row.primaryAddress == "192.0.2.9/24")
        #expect(row.statistics.rxBytes == 30, "the newer counter sample's statistics, not the snapshot's")
        #expect(row.rates?.rxMbps != nil)
    }

    @Test func linkEventsNeverMoveSampledCountersBack() async throws {
        let store = TablePipeline()
        await store.linksChanged(Self.sample([("d0", 10)], second: 1))
        await store.countersSampled(Self.counters([("d0", 20)], second: 2))
        await store.countersSampled(Self.counters([("d0", 30)], second: 3))
        let sampled = try #require(await store.publication)
        // The watcher's copy of d0 still has the counters of its first dump.
        await store.linksChanged(Self.sample([("d0", 10)], second: 4))
        let after = try #require(await store.publication)
        #expect(after.version == sampled.version, "nothing but stale counters: no new version")
        #expect(after.table.interfaces[0].statistics.rxBytes == 30)
    }

    @Test func subscribersGetTheChangesBetweenConsecutiveVersions() async throws {
        let store = TablePipeline()
        await store.linksChanged(Self.sample([("d0", 1), ("d1", 2)], second: 1))
        #expect(await store.publication?.changes == nil, "the first version has nothing to differ from")
        let stream = await store.subscribe()
        var iterator = stream.makeAsyncIterator()
        let first = try #require(await iterator.next())

        var next = Self.sample([("d0", 1), ("d1", 2), ("n2", 3)], second: 2)
        next.snapshot.links.remove(at: 1)  // d1 is gone; n2 keeps index 3
        await store.linksChanged(next)
        let second = try #require(await iterator.next())
        let changes = try #require(second.changes)
        #expect(changes.version == second.version && changes.base == first.version)
        #expect(changes.changed.map(\.name) == ["n2"], "d0 did not change")
        #expect(changes.removed == ["d1"])
        #expect(Self.apply(changes, to: first.table) == second.table)

        let json = try #require(second.changesJSON)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.readableBytesView)) as? [String: Any])
        #expect(object["schema"] as? String == "fabric.host-interfaces.changes")
        #expect((object["removed"] as? [String]) == ["d1"])
    }

    /// A stream's termination handler holds the store strongly (TableStore.subscribe says why); the store must still
    /// forget a stream its reader drops, and nothing may hold the store once the stream is gone.
    @Test func aStreamItsReaderDropsIsForgottenAndLetsTheStoreGo() {
        weak var released: TableStore?
        do {
            let store = TableStore()
            released = store
            var stream: AsyncStream<TablePublication>? = store.subscribe()
            #expect(store.hasListeners && stream != nil)
            stream = nil
            #expect(!store.hasListeners, "the dropped stream was unsubscribed")
        }
        #expect(released == nil, "nothing holds the store once its one stream is gone")
    }

    /// `close()` ends every stream, which lets the store go although a stream outlives it.
    @Test func closeEndsTheStreamsAndLetsTheStoreGo() async throws {
        weak var released: TableStore?
        let stream: AsyncStream<TablePublication>
        do {
            let store = TableStore()
            released = store
            stream = store.subscribe()
            store.close()
            #expect(!store.hasListeners)
        }
        // Required: a stream that was not ended would never end the `next()` below.
        try #require(released == nil, "the stream outlives the store, and does not keep it")
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == nil, "close() ended the stream")
    }

    /// A daemon stopping changes the networks, not the table: the version stays (a table stream gets nothing), the
    /// networks' revision moves (a stream that asked for the networks gets them), and the changes stay those of
    /// the version, for a stream that skipped to it.
    @Test func aNetworksOnlyChangeKeepsTheTablesVersion() async throws {
        let store = TablePipeline()
        await store.linksChanged(Self.sample([("d0", 1)], second: 1))
        await store.linksChanged(Self.sample([("d0", 1), ("d1", 2)], second: 2))
        let before = try #require(await store.publication)
        await store.updater.agentsChanged([ProviderAgent(name: .neutronLinuxBridgeAgent, running: true)])
        let after = try #require(await store.publication)
        #expect(after.version == before.version)
        #expect(after.networksVersion > before.networksVersion)
        #expect(after.table == before.table)
        #expect(after.changes == before.changes)
        #expect(after.networks.agents.map(\.name) == [.neutronLinuxBridgeAgent])
        #expect(ServerSentEvent.next(after, after: before.version).isEmpty, "nothing for the table")
        #expect(!ServerSentEvent.next(after, after: before.version - 1).isEmpty, "changes for one that skipped")
    }

    /// The client's side of docs/agent.md's `changes` event.
    static func apply(_ changes: TableChanges, to table: HostTable) -> HostTable {
        var result = table
        result.hostname = changes.hostname
        result.sampledAt = changes.sampledAt
        result.intervalSeconds = changes.intervalSeconds
        result.sources = changes.sources
        var rows = Dictionary(uniqueKeysWithValues: table.interfaces.map { ($0.name, $0) })
        for name in changes.removed { rows[name] = nil }
        for row in changes.changed { rows[row.name] = row }
        result.interfaces = rows.values.sorted { $0.index < $1.index }
        return result
    }
}
