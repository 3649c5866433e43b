// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink

/// Rates from two samples of 64-bit counters (host-inventory.md §3).
///
/// The counters are 64-bit, so they do not wrap in practice: a counter that goes down, or a link whose
/// ifindex changed under the same name, was reset (the device was recreated or its driver reset it).
/// That interval has no rate — never a negative or a huge one.
public enum RateCalculator {
    /// One link's counters at one instant of a monotonic clock.
    public struct Sample: Sendable, Hashable {
        public var index: Int32
        public var statistics: LinkStatistics
        /// Monotonic clock, nanoseconds.
        public var time: UInt64

        public init(index: Int32, statistics: LinkStatistics, time: UInt64) {
            self.index = index
            self.statistics = statistics
            self.time = time
        }
    }

    /// The rates between `earlier` and `later`, or `nil` when there is no interval to speak of (the
    /// clock did not advance). A reset gives rates whose values are `nil`.
    public static func rates(from earlier: Sample, to later: Sample) -> HostInterface.Rates? {
        guard later.time > earlier.time else { return nil }
        let seconds = Double(later.time - earlier.time) / 1e9
        let old = earlier.statistics
        let new = later.statistics
        let counters: [(UInt64, UInt64)] = [
            (old.rxBytes, new.rxBytes), (old.txBytes, new.txBytes),
            (old.rxDropped, new.rxDropped), (old.txDropped, new.txDropped),
        ]
        let reset = earlier.index != later.index || counters.contains { $0.1 < $0.0 }
        if reset {
            return HostInterface.Rates(rxMbps: nil, txMbps: nil, droppedPackets: nil, intervalSeconds: seconds)
        }
        func mbps(_ before: UInt64, _ after: UInt64) -> Double {
            Double(after - before) * 8 / seconds / 1e6
        }
        return HostInterface.Rates(
            rxMbps: mbps(old.rxBytes, new.rxBytes),
            txMbps: mbps(old.txBytes, new.txBytes),
            droppedPackets: (new.rxDropped - old.rxDropped) &+ (new.txDropped - old.txDropped),
            intervalSeconds: seconds
        )
    }
}
