// SPDX-License-Identifier: Apache-2.0

/// When a burst of notifications becomes one table: a pause of `window` ends a burst, and a burst that runs
/// for `maximum` publishes anyway and goes on. Pure: the caller tells it what arrived when, so tests drive
/// it with instants of their own.
///
/// One command sends several notifications microseconds apart (a veth pair is two links), so a short pause
/// ends the burst; a long one (a script adding 4,000 links) still shows progress every `maximum`.
struct BurstCoalescer<Instant: InstantProtocol> where Instant.Duration == Duration {
    let window: Duration
    let maximum: Duration
    /// When the running burst (or its latest `maximum` slice) began; `nil` while quiet.
    private(set) var burstStart: Instant?
    /// Whether events arrived since the last publication.
    private(set) var pending = false

    init(window: Duration, maximum: Duration) {
        self.window = window
        self.maximum = maximum
    }

    /// How long to wait for more: `window` inside a burst, forever (`nil`) while quiet.
    var waitTimeout: Duration? { burstStart == nil ? nil : window }

    /// Events arrived at `now`. Returns whether to publish what has accumulated now: the burst has run for
    /// `maximum` (the burst goes on, with a new slice).
    mutating func eventsArrived(at now: Instant) -> Bool {
        pending = true
        guard let start = burstStart else {
            burstStart = now
            return false
        }
        guard start.duration(to: now) >= maximum else { return false }
        burstStart = now
        pending = false
        return true
    }

    /// A wait of ``waitTimeout`` ended with nothing: the burst is over. Returns whether anything is left to
    /// publish.
    mutating func quiet() -> Bool {
        burstStart = nil
        defer { pending = false }
        return pending
    }
}
