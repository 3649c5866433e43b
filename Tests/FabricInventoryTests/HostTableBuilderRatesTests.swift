// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import FabricOVSDB
import Testing

/// `show`'s rates (``RateWindow`` over two snapshots) follow links by ifindex, as the agent's do: a renamed link keeps its rate, a re-created one
/// (same name, new ifindex) has none for its first interval.
@Suite struct HostTableBuilderRatesTests {
    static let builder = HostTableBuilder(files: HostFiles(root: "/nonexistent-fabric-root"))
    static let ovsdb = HostTable.OVSDBStatus(endpoint: "unix:/nonexistent", reachable: false)

    static func sample(_ links: [(index: Int32, name: String, rxBytes: UInt64)], second: UInt64) -> HostTableBuilder.Sample {
        let snapshot = NetlinkSnapshot(
            links: links.map { Link(index: $0.index, name: $0.name, kind: "dummy", statistics: LinkStatistics(rxBytes: $0.rxBytes)) },
            addresses: [])
        return HostTableBuilder.Sample(snapshot: snapshot, monotonicTime: second * 1_000_000_000, wallTime: Double(second))
    }

    @Test func ratesFollowTheIfindex() throws {
        let earlier = Self.sample([(2, "eth0", 0), (3, "tapvm", 0)], second: 1)
        let later = Self.sample([(2, "renamed0", 1_000_000), (4, "tapvm", 2_000_000)], second: 2)
        var table = Self.builder.table(sample: later, switchState: nil, ovsdb: Self.ovsdb)
        #expect(table.interfaces.allSatisfy { $0.rates == nil }, "the builder builds structure only")
        var window = RateWindow()
        window.add(RateWindow.Reading(earlier))
        window.add(RateWindow.Reading(later))
        window.apply(to: &table)
        let renamed = try #require(table.interfaces.first { $0.name == "renamed0" })
        #expect(renamed.rates?.rxMbps == 8)
        let recreated = try #require(table.interfaces.first { $0.name == "tapvm" })
        #expect(recreated.rates == nil)
    }
}
