// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink

/// The one rate path, for `show` and the agent alike: the two most recent readings of every link's counters,
/// keyed by ifindex, and the rates between them.
///
/// Keyed by ifindex, a renamed link keeps its counters, and a re-created one (a new ifindex under the same
/// name) has no rate for its first interval. The counters are 64-bit, so they do not wrap in practice: a
/// counter that goes down was reset (the driver reset it), and that interval has rates whose values are
/// `nil` — never a negative or a huge one.
public struct RateWindow: Sendable {
    /// Every link's counters at one instant.
    public struct Reading: Sendable, Hashable {
        public var counters: [Int32: LinkStatistics]
        /// `CLOCK_MONOTONIC`, nanoseconds.
        public var monotonicTime: UInt64
        /// Seconds since the Unix epoch.
        public var wallTime: Double

        public init(counters: [Int32: LinkStatistics], monotonicTime: UInt64, wallTime: Double) {
            self.counters = counters
            self.monotonicTime = monotonicTime
            self.wallTime = wallTime
        }

        /// The counters of a counters-only dump (the agent's sampler).
        public init(
            _ counters: [LinkCounters], monotonicTime: UInt64 = HostClock.monotonicNanoseconds(),
            wallTime: Double = HostClock.wallSeconds()
        ) {
            self.init(
                counters: Dictionary(counters.map { ($0.index, $0.statistics) }, uniquingKeysWith: { _, last in last }),
                monotonicTime: monotonicTime, wallTime: wallTime)
        }

        /// The counters carried by a full snapshot (`show`).
        public init(_ sample: HostTableBuilder.Sample) {
            self.init(
                counters: Dictionary(sample.snapshot.links.map { ($0.index, $0.statistics) }, uniquingKeysWith: { _, last in last }),
                monotonicTime: sample.monotonicTime, wallTime: sample.wallTime)
        }
    }

    public private(set) var earlier: Reading?
    public private(set) var latest: Reading?

    public init() {}

    /// Moves the window: `reading` becomes the latest, the latest the earlier.
    public mutating func add(_ reading: Reading) {
        earlier = latest
        latest = reading
    }

    /// Seconds between the two readings, or `nil` before there are two.
    public var intervalSeconds: Double? {
        guard let earlier, let latest else { return nil }
        return Double(latest.monotonicTime &- earlier.monotonicTime) / 1e9
    }

    /// The rates of link `index`, or `nil` when a reading lacks it or the clock did not advance.
    public func rates(of index: Int32) -> HostInterface.Rates? {
        guard let earlier, let latest, let old = earlier.counters[index], let new = latest.counters[index],
            latest.monotonicTime > earlier.monotonicTime
        else { return nil }
        return Self.rates(from: old, to: new, seconds: Double(latest.monotonicTime - earlier.monotonicTime) / 1e9)
    }

    /// Gives every row of `table` the latest reading's counters (rows it lacks keep theirs) and the rates
    /// between the two readings, and stamps the interval.
    public func apply(to table: inout HostTable) {
        if let latest {
            for i in table.interfaces.indices {
                guard let statistics = latest.counters[table.interfaces[i].index] else { continue }
                table.interfaces[i].statistics = statistics
            }
        }
        guard let interval = intervalSeconds else { return }
        for i in table.interfaces.indices { table.interfaces[i].rates = rates(of: table.interfaces[i].index) }
        table.intervalSeconds = interval
    }

    static func rates(from old: LinkStatistics, to new: LinkStatistics, seconds: Double) -> HostInterface.Rates {
        let counters: [(UInt64, UInt64)] = [
            (old.rxBytes, new.rxBytes), (old.txBytes, new.txBytes),
            (old.rxDropped, new.rxDropped), (old.txDropped, new.txDropped),
        ]
        if counters.contains(where: { $0.1 < $0.0 }) {
            return HostInterface.Rates(rxMbps: nil, txMbps: nil, droppedPackets: nil, intervalSeconds: seconds)
        }
        func mbps(_ before: UInt64, _ after: UInt64) -> Double { Double(after - before) * 8 / seconds / 1e6 }
        return HostInterface.Rates(
            rxMbps: mbps(old.rxBytes, new.rxBytes),
            txMbps: mbps(old.txBytes, new.txBytes),
            droppedPackets: (new.rxDropped - old.rxDropped) &+ (new.txDropped - old.txDropped),
            intervalSeconds: seconds
        )
    }
}
