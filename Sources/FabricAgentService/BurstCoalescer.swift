// SPDX-License-Identifier: Apache-2.0

/// When notifications become tables: the first after a quiet spell is published at once (with whatever was
/// queued behind it), and those that follow within `window` of each other make one more table when a pause of
/// `window` ends the burst; a burst that runs for `maximum` publishes anyway and goes on. Pure: the caller tells
/// it what arrived when, so tests drive it with instants of their own.
///
/// A single change (one `ip link add`, a vNIC plugged) is seen as soon as netlink tells, not a window later; the
/// watcher reads every queued notification at once, so one command's notifications (a veth pair is two links,
/// microseconds apart) usually make that one table. A script adding 4,000 links makes a table at its start, one
/// every `maximum`, and one at its end.
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

    /// Events arrived at `now`. Returns whether to publish what has accumulated now: they are the first after
    /// a quiet spell (a burst starts), or the burst has run for `maximum` (it goes on, with a new slice).
    mutating func eventsArrived(at now: Instant) -> Bool {
        guard let start = burstStart else {
            burstStart = now
            pending = false
            return true
        }
        pending = true
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
