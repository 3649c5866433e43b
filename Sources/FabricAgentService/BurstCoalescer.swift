// SPDX-License-Identifier: Apache-2.0

/// When notifications become tables. The first notification after a quiet spell waits `settle` for the rest
/// of its command, then makes a table; the notifications that follow within `window` of each other make one
/// more when a pause of `window` ends the burst; a burst that runs for `maximum` publishes anyway and goes on.
/// Pure: the caller tells it what arrived when, so tests drive it with instants of their own.
///
/// One command sends several notifications a fraction of a millisecond apart (a veth pair is two links, the
/// second about 0.6 ms after the first at 4,096 links), so the first table waits a settle of 1 ms and shows the
/// command whole; it does not wait for a pause, so a lone change is seen 1 ms after netlink told, whatever
/// follows. A script adding 4,000 links makes a table after the settle, one every `maximum`, and one at its end.
struct BurstCoalescer<Instant: InstantProtocol> where Instant.Duration == Duration {
    let settle: Duration
    let window: Duration
    let maximum: Duration
    /// When the running burst (or its latest `maximum` slice) began; `nil` while quiet.
    private(set) var burstStart: Instant?
    /// When the burst's first table is due; `nil` once it is published, and while quiet.
    private(set) var settleDeadline: Instant?
    /// Whether events arrived since the last publication.
    private(set) var pending = false

    init(settle: Duration, window: Duration, maximum: Duration) {
        self.settle = settle
        self.window = window
        self.maximum = maximum
    }

    /// How long to wait for more at `now`: until the burst's first table is due, then `window`; forever (`nil`)
    /// while quiet.
    func waitTimeout(at now: Instant) -> Duration? {
        if let settleDeadline { return max(.zero, now.duration(to: settleDeadline)) }
        return burstStart == nil ? nil : window
    }

    /// Events arrived at `now`. Returns whether to publish what has accumulated now: the burst's first table is
    /// due, or the burst has run for `maximum` (it goes on, with a new slice).
    mutating func eventsArrived(at now: Instant) -> Bool {
        pending = true
        guard let start = burstStart else {
            burstStart = now
            settleDeadline = now.advanced(by: settle)
            return false
        }
        if let deadline = settleDeadline {
            guard now >= deadline else { return false }
            return published(at: now)
        }
        guard start.duration(to: now) >= maximum else { return false }
        return published(at: now)
    }

    /// A wait of ``waitTimeout(at:)`` ended at `now` with nothing new. Returns whether to publish: the burst's
    /// first table is due (the burst goes on), or the pause ended the burst with events not yet published.
    mutating func timedOut(at now: Instant) -> Bool {
        if let deadline = settleDeadline {
            guard now >= deadline else { return false }
            return published(at: now)
        }
        burstStart = nil
        defer { pending = false }
        return pending
    }

    private mutating func published(at now: Instant) -> Bool {
        burstStart = now
        settleDeadline = nil
        pending = false
        return true
    }
}
