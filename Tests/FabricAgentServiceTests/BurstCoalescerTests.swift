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

    func at(_ microseconds: Int) -> ContinuousClock.Instant { start + .microseconds(microseconds) }

    func coalescer(maximum: Duration = .milliseconds(200)) -> Coalescer {
        Coalescer(settle: .milliseconds(1), window: .milliseconds(2), maximum: maximum)
    }

    /// A veth pair: the second link 0.6 ms after the first. One table 1 ms after the first, with both; then the
    /// burst's pause ends it with nothing left.
    @Test func aCommandsNotificationsMakeOneTableAfterTheSettle() {
        var coalescer = coalescer()
        #expect(coalescer.waitTimeout(at: at(0)) == nil, "quiet: wait for ever")
        let first = coalescer.eventsArrived(at: at(0))
        #expect(!first)
        #expect(coalescer.waitTimeout(at: at(0)) == .milliseconds(1))
        let second = coalescer.eventsArrived(at: at(600))
        #expect(!second, "the settle is not over")
        #expect(coalescer.waitTimeout(at: at(600)) == .microseconds(400), "the settle does not start again")
        let early = coalescer.timedOut(at: at(900))
        #expect(!early, "a wait that ends before the settle publishes nothing")
        let settled = coalescer.timedOut(at: at(1_000))
        #expect(settled, "both links in the first table")
        #expect(coalescer.waitTimeout(at: at(1_000)) == .milliseconds(2), "the burst goes on for a window")
        let ended = coalescer.timedOut(at: at(3_000))
        #expect(!ended, "nothing new since: nothing to publish")
        #expect(coalescer.waitTimeout(at: at(3_000)) == nil)
    }

    /// Notifications after the first table make one more when the burst pauses.
    @Test func laterNotificationsOfABurstMakeOneMoreTable() {
        var coalescer = coalescer()
        var publications = 0
        for microsecond in [0, 1_000, 1_500, 2_500] where coalescer.eventsArrived(at: at(microsecond)) { publications += 1 }
        #expect(publications == 1, "the settle is due at the notification of 1 ms")
        let tail = coalescer.timedOut(at: at(4_500))
        #expect(tail)
    }

    /// A burst that never pauses shows its first table after the settle and progress every `maximum`, and its
    /// tail is published when it ends.
    @Test func aLongBurstPublishesAfterTheSettleEveryMaximumAndAtItsEnd() {
        var coalescer = coalescer()
        var publishedAt: [Int] = []
        for millisecond in stride(from: 0, through: 500, by: 1) where coalescer.eventsArrived(at: at(millisecond * 1_000)) {
            publishedAt.append(millisecond)
        }
        #expect(publishedAt == [1, 201, 401])
        #expect(coalescer.waitTimeout(at: at(500_000)) == .milliseconds(2), "the burst goes on after a slice")
        let tail = coalescer.timedOut(at: at(502_000))
        #expect(tail, "events after 401 ms are still to publish")
    }

    @Test func aBurstEndingRightAfterASliceHasNothingLeft() {
        var coalescer = coalescer(maximum: .milliseconds(10))
        let first = coalescer.eventsArrived(at: at(0))
        let settled = coalescer.timedOut(at: at(1_000))
        let slice = coalescer.eventsArrived(at: at(11_000))
        let tail = coalescer.timedOut(at: at(13_000))
        #expect(!first && settled && slice && !tail)
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
