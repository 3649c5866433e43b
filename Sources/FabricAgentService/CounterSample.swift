// SPDX-License-Identifier: Apache-2.0
public import FabricInventory
public import FabricNetlink

/// One reading of every link's counters, keyed by ifindex (a renamed link keeps its counters; a
/// re-created one has a new ifindex, so its first interval has no rate).
public struct CounterSample: Sendable {
    public var statistics: [Int32: LinkStatistics]
    /// `CLOCK_MONOTONIC`, nanoseconds.
    public var monotonicTime: UInt64
    /// Seconds since the Unix epoch.
    public var wallTime: Double

    public init(
        _ counters: [LinkCounters], monotonicTime: UInt64 = HostClock.monotonicNanoseconds(),
        wallTime: Double = HostClock.wallSeconds()
    ) {
        statistics = Dictionary(counters.map { ($0.index, $0.statistics) }, uniquingKeysWith: { _, last in last })
        self.monotonicTime = monotonicTime
        self.wallTime = wallTime
    }

    func rateSample(_ index: Int32) -> RateCalculator.Sample? {
        statistics[index].map { RateCalculator.Sample(index: index, statistics: $0, time: monotonicTime) }
    }
}
