// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// An instant of the monotonic clock (`CLOCK_MONOTONIC`): the deadlines and timeouts of the modules the hooks
/// link. Swift's `ContinuousClock` lives in the concurrency runtime, and one use of it links that runtime and
/// libdispatch into a program, whose static initializers cost every start of a hook about 0.16 ms
/// (docs/BENCHMARKS.md, "Loading less at start"). The agent's asynchronous code keeps `ContinuousClock`.
package struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Since the clock's unspecified start (the boot, on Linux).
    private let offset: Duration

    package static var now: MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(offset: .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec))
    }

    package func advanced(by duration: Duration) -> MonotonicInstant { MonotonicInstant(offset: offset + duration) }

    /// How long from this instant to `other`; negative when `other` is earlier.
    package func duration(to other: MonotonicInstant) -> Duration { other.offset - offset }

    package static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.offset < rhs.offset }
}
