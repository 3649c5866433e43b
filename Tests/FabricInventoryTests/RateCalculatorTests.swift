// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import Testing

@Suite struct RateCalculatorTests {
    private func sample(_ index: Int32 = 7, rx: UInt64, tx: UInt64, rxDrop: UInt64 = 0, txDrop: UInt64 = 0,
                        at seconds: Double) -> RateCalculator.Sample {
        RateCalculator.Sample(
            index: index,
            statistics: LinkStatistics(rxBytes: rx, txBytes: tx, rxDropped: rxDrop, txDropped: txDrop),
            time: UInt64(seconds * 1e9))
    }

    @Test func bytesPerIntervalBecomeMegabitsPerSecond() throws {
        // 125,000,000 bytes in 2 s = 500 Mbit/s; 12,500 bytes in 2 s = 0.05 Mbit/s.
        let rates = try #require(RateCalculator.rates(
            from: sample(rx: 1_000, tx: 0, rxDrop: 3, txDrop: 1, at: 10),
            to: sample(rx: 125_001_000, tx: 12_500, rxDrop: 10, txDrop: 2, at: 12)))
        #expect(rates.rxMbps == 500)
        #expect(rates.txMbps == 0.05)
        #expect(rates.droppedPackets == 8)
        #expect(rates.intervalSeconds == 2)
    }

    @Test func anIdleLinkHasZeroRatesNotUnknown() throws {
        let rates = try #require(RateCalculator.rates(from: sample(rx: 5, tx: 5, at: 1), to: sample(rx: 5, tx: 5, at: 2)))
        #expect(rates.rxMbps == 0)
        #expect(rates.txMbps == 0)
        #expect(rates.droppedPackets == 0)
    }

    @Test func countersBeyond32BitsAreNotTruncated() throws {
        // 10 Gbit/s for 1 s moves 1.25e9 bytes; starting above 2^32 must not wrap at 2^32.
        let start: UInt64 = 1 << 40
        let rates = try #require(RateCalculator.rates(
            from: sample(rx: start, tx: start, at: 0), to: sample(rx: start + 1_250_000_000, tx: start, at: 1)))
        #expect(rates.rxMbps == 10_000)
    }

    @Test func aCounterThatGoesDownIsAResetWithNoRate() throws {
        let rates = try #require(RateCalculator.rates(
            from: sample(rx: 9_000_000, tx: 100, at: 0), to: sample(rx: 10, tx: 200, at: 1)))
        #expect(rates.rxMbps == nil)
        #expect(rates.txMbps == nil)
        #expect(rates.droppedPackets == nil)
    }

    @Test func aDroppedCounterGoingDownIsAResetToo() throws {
        let rates = try #require(RateCalculator.rates(
            from: sample(rx: 0, tx: 0, rxDrop: 50, at: 0), to: sample(rx: 10, tx: 10, rxDrop: 2, at: 1)))
        #expect(rates.droppedPackets == nil)
        #expect(rates.rxMbps == nil)
    }

    @Test func aRecreatedLinkWithTheSameNameIsAReset() throws {
        let rates = try #require(RateCalculator.rates(
            from: sample(7, rx: 0, tx: 0, at: 0), to: sample(8, rx: 1_000_000, tx: 0, at: 1)))
        #expect(rates.rxMbps == nil)
    }

    @Test func noIntervalMeansNoRates() {
        #expect(RateCalculator.rates(from: sample(rx: 0, tx: 0, at: 5), to: sample(rx: 10, tx: 0, at: 5)) == nil)
        #expect(RateCalculator.rates(from: sample(rx: 0, tx: 0, at: 5), to: sample(rx: 10, tx: 0, at: 4)) == nil)
    }
}
