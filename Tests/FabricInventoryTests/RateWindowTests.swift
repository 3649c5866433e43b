// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import Testing

@Suite struct RateWindowTests {
    private func sample(_ index: Int32 = 7, rx: UInt64, tx: UInt64, rxDrop: UInt64 = 0, txDrop: UInt64 = 0,
                        at seconds: Double) -> RateWindow.Reading {
        RateWindow.Reading(
            counters: [index: LinkStatistics(rxBytes: rx, txBytes: tx, rxDropped: rxDrop, txDropped: txDrop)],
            monotonicTime: UInt64(seconds * 1e9), wallTime: seconds)
    }

    /// The rates of link 7 (or `index`) between two readings.
    private func ratesBetween(_ earlier: RateWindow.Reading, to later: RateWindow.Reading, of index: Int32 = 7) -> HostInterface.Rates? {
        var window = RateWindow()
        window.add(earlier)
        window.add(later)
        return window.rates(of: index)
    }

    @Test func bytesPerIntervalBecomeMegabitsPerSecond() throws {
        // 125,000,000 bytes in 2 s = 500 Mbit/s; 12,500 bytes in 2 s = 0.05 Mbit/s.
        let rates = try #require(ratesBetween(
            sample(rx: 1_000, tx: 0, rxDrop: 3, txDrop: 1, at: 10),
            to: sample(rx: 125_001_000, tx: 12_500, rxDrop: 10, txDrop: 2, at: 12)))
        #expect(rates.rxMbps == 500)
        #expect(rates.txMbps == 0.05)
        #expect(rates.droppedPackets == 8)
        #expect(rates.intervalSeconds == 2)
    }

    @Test func anIdleLinkHasZeroRatesNotUnknown() throws {
        let rates = try #require(ratesBetween(sample(rx: 5, tx: 5, at: 1), to: sample(rx: 5, tx: 5, at: 2)))
        #expect(rates.rxMbps == 0)
        #expect(rates.txMbps == 0)
        #expect(rates.droppedPackets == 0)
    }

    @Test func countersBeyond32BitsAreNotTruncated() throws {
        // 10 Gbit/s for 1 s moves 1.25e9 bytes; starting above 2^32 must not wrap at 2^32.
        let start: UInt64 = 1 << 40
        let rates = try #require(ratesBetween(
            sample(rx: start, tx: start, at: 0), to: sample(rx: start + 1_250_000_000, tx: start, at: 1)))
        #expect(rates.rxMbps == 10_000)
    }

    @Test func aCounterThatGoesDownIsAResetWithNoRate() throws {
        let rates = try #require(ratesBetween(
            sample(rx: 9_000_000, tx: 100, at: 0), to: sample(rx: 10, tx: 200, at: 1)))
        #expect(rates.rxMbps == nil)
        #expect(rates.txMbps == nil)
        #expect(rates.droppedPackets == nil)
    }

    @Test func aDroppedCounterGoingDownIsAResetToo() throws {
        let rates = try #require(ratesBetween(
            sample(rx: 0, tx: 0, rxDrop: 50, at: 0), to: sample(rx: 10, tx: 10, rxDrop: 2, at: 1)))
        #expect(rates.droppedPackets == nil)
        #expect(rates.rxMbps == nil)
    }

    /// Keyed by ifindex: a link re-created under the same name is another link, with no rate yet.
    @Test func aRecreatedLinkHasNoRateForItsFirstInterval() {
        #expect(ratesBetween(sample(7, rx: 0, tx: 0, at: 0), to: sample(8, rx: 1_000_000, tx: 0, at: 1), of: 8) == nil)
    }

    /// The window moves: the third reading's rates are against the second, and `apply` stamps rows and interval.
    @Test func theWindowMovesAndAppliesToRows() throws {
        var window = RateWindow()
        #expect(window.intervalSeconds == nil)
        window.add(sample(rx: 0, tx: 0, at: 0))
        window.add(sample(rx: 1_000_000, tx: 0, at: 1))
        window.add(sample(rx: 1_250_000, tx: 0, at: 3))
        #expect(window.intervalSeconds == 2)
        let link = HostInterface(name: "eth0", index: 7, kind: .nic)
        var table = HostTable(
            hostname: nil, sampledAt: 0, intervalSeconds: nil,
            sources: HostTable.Sources(ovsdb: HostTable.OVSDBStatus(endpoint: "x", reachable: false), vdsmConfig: nil, warnings: []),
            interfaces: [link])
        window.apply(to: &table)
        #expect(table.intervalSeconds == 2)
        #expect(table.interfaces[0].statistics.rxBytes == 1_250_000)
        #expect(table.interfaces[0].rates?.rxMbps == 1)
    }

    @Test func noIntervalMeansNoRates() {
        #expect(ratesBetween(sample(rx: 0, tx: 0, at: 5), to: sample(rx: 10, tx: 0, at: 5)) == nil)
        #expect(ratesBetween(sample(rx: 0, tx: 0, at: 5), to: sample(rx: 10, tx: 0, at: 4)) == nil)
    }
}
