// SPDX-License-Identifier: Apache-2.0
@testable import FabricAgentService
import FabricPOSIX
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The netlink watcher's coalescing, driven by instants the test chooses.
@Suite struct BurstCoalescerTests {
    typealias Coalescer = BurstCoalescer<ContinuousClock.Instant>
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func quietWaitsForeverAndABurstWaitsTheWindow() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(200))
        #expect(coalescer.waitTimeout == nil)
        let first = coalescer.eventsArrived(at: at(0))
        #expect(first, "the first change after a quiet spell is published at once")
        #expect(coalescer.waitTimeout == .milliseconds(2))
        let second = coalescer.eventsArrived(at: at(1))
        #expect(!second, "the next within the window waits for the burst to end")
        let ended = coalescer.quiet()
        #expect(ended, "the pause ends the burst and publishes it")
        #expect(coalescer.waitTimeout == nil)
        let again = coalescer.quiet()
        #expect(!again, "nothing new, nothing to publish")
    }

    /// A lone change costs no window: nothing is left when the pause comes.
    @Test func aLoneChangeIsPublishedOnceAtOnce() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(200))
        let first = coalescer.eventsArrived(at: at(0))
        let tail = coalescer.quiet()
        #expect(first && !tail)
    }

    /// Notifications microseconds apart after the first make one more table, not one each.
    @Test func closeEventsMakeOneMorePublication() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(200))
        var publications = 0
        for millisecond in [0, 1, 1, 2] where coalescer.eventsArrived(at: at(millisecond)) { publications += 1 }
        if coalescer.quiet() { publications += 1 }
        #expect(publications == 2)
    }

    /// A long burst shows its start at once and progress every `maximum`, and its tail is published when it ends.
    @Test func aLongBurstPublishesEveryMaximumAndAtItsEnd() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(200))
        var publishedAt: [Int] = []
        for millisecond in stride(from: 0, through: 500, by: 1) where coalescer.eventsArrived(at: at(millisecond)) {
            publishedAt.append(millisecond)
        }
        #expect(publishedAt == [0, 200, 400])
        #expect(coalescer.waitTimeout == .milliseconds(2), "the burst goes on after a slice")
        let tail = coalescer.quiet()
        #expect(tail, "events after 400 ms are still to publish")
    }

    @Test func aBurstEndingRightAfterASliceHasNothingLeft() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(10))
        let first = coalescer.eventsArrived(at: at(0))
        let slice = coalescer.eventsArrived(at: at(10))
        let tail = coalescer.quiet()
        #expect(first && slice && !tail)
    }
}

@Suite struct StopSignalTests {
    /// A worker waiting a long time wakes as soon as it is stopped: no periodic wake-up needed. The stopper is
    /// a thread of its own, so the test does not depend on the concurrency pool it blocks.
    @Test func stopWakesAWaitAtOnce() throws {
        let signal = StopSignal()
        #expect(!signal.wait(timeout: .milliseconds(20)), "not stopped: the wait runs out")
        let clock = ContinuousClock()
        let started = clock.now
        WorkerThread.start(name: "test-stopper") {
            usleep(50_000)
            signal.stop()
        }
        #expect(signal.wait(timeout: .seconds(30)))
        #expect(clock.now - started < .seconds(5))
        #expect(signal.isStopped)
        #expect(signal.wait(timeout: .seconds(30)), "it stays stopped")
    }
}
