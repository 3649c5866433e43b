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
        #expect(!first)
        #expect(coalescer.waitTimeout == .milliseconds(2))
        let ended = coalescer.quiet()
        #expect(ended, "the pause ends the burst and publishes it")
        #expect(coalescer.waitTimeout == nil)
        let again = coalescer.quiet()
        #expect(!again, "nothing new, nothing to publish")
    }

    /// One command's notifications (a veth pair: two links microseconds apart) make one table.
    @Test func closeEventsMakeOnePublication() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(200))
        var publications = 0
        for millisecond in [0, 1, 1, 2] where coalescer.eventsArrived(at: at(millisecond)) { publications += 1 }
        if coalescer.quiet() { publications += 1 }
        #expect(publications == 1)
    }

    /// A long burst still shows progress every `maximum`, and its tail is published when it ends.
    @Test func aLongBurstPublishesEveryMaximumAndAtItsEnd() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(200))
        var publishedAt: [Int] = []
        for millisecond in stride(from: 0, through: 500, by: 1) where coalescer.eventsArrived(at: at(millisecond)) {
            publishedAt.append(millisecond)
        }
        #expect(publishedAt == [200, 400])
        #expect(coalescer.waitTimeout == .milliseconds(2), "the burst goes on after a slice")
        let tail = coalescer.quiet()
        #expect(tail, "events after 400 ms are still to publish")
    }

    @Test func aBurstEndingRightAfterASliceHasNothingLeft() {
        var coalescer = Coalescer(window: .milliseconds(2), maximum: .milliseconds(10))
        let first = coalescer.eventsArrived(at: at(0))
        let slice = coalescer.eventsArrived(at: at(10))
        let tail = coalescer.quiet()
        #expect(!first && slice && !tail)
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
