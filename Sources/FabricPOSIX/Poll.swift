// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// Readiness a descriptor is waited for.
package struct PollEvents: OptionSet, Hashable, Sendable {
    package let rawValue: Int16
    package init(rawValue: Int16) { self.rawValue = rawValue }

    package static let readable = PollEvents(rawValue: Int16(POLLIN))
    package static let writable = PollEvents(rawValue: Int16(POLLOUT))
    package static let hangUp = PollEvents(rawValue: Int16(POLLHUP))
    package static let error = PollEvents(rawValue: Int16(POLLERR))
}

extension FileDescriptor {
    /// Waits until the descriptor has one of `events`, an error or a hang-up, or `timeout` passes (`nil`:
    /// forever). Returns what happened, empty on timeout. An interrupted wait continues with what is left of
    /// the timeout.
    package func poll(for events: PollEvents, timeout: Duration?) throws(Errno) -> PollEvents {
        try Self.poll(rawValue, for: events, timeout: timeout)
    }

    /// As the method, for a descriptor owned elsewhere.
    package static func poll(_ descriptor: Int32, for events: PollEvents, timeout: Duration?) throws(Errno) -> PollEvents {
        try poll([(descriptor, events)], timeout: timeout)[0]
    }
}

extension FileDescriptor {
    /// Waits until one of `descriptors` has its events (or an error or hang-up), or `timeout` passes.
    /// Returns what each one has, in order; all empty on timeout.
    package static func poll(_ descriptors: [(descriptor: Int32, events: PollEvents)], timeout: Duration?) throws(Errno) -> [PollEvents] {
        let deadline = timeout.map { MonotonicInstant.now.advanced(by: $0) }
        var entries = descriptors.map { pollfd(fd: $0.descriptor, events: $0.events.rawValue, revents: 0) }
        while true {
            let milliseconds = deadline.map { pollMilliseconds(MonotonicInstant.now.duration(to: $0)) } ?? -1
            let ready = Glibc.poll(&entries, nfds_t(entries.count), milliseconds)
            if ready > 0 { return entries.map { PollEvents(rawValue: $0.revents) } }
            if ready == 0 {
                // poll's millisecond granularity can wake a little early; wait out the rest.
                if let deadline, MonotonicInstant.now < deadline { continue }
                return entries.map { _ in [] }
            }
            let error = Errno.current
            if error != .interrupted { throw error }
        }
    }
}

/// A duration as `poll(2)`'s timeout: whole milliseconds rounded up, so a deadline is never cut short, and
/// zero for a past one. The one conversion every wait in fabric uses.
package func pollMilliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0, duration > .zero else { return 0 }
    guard seconds < Int64(Int32.max) / 1000 else { return Int32.max }
    return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
}

/// Sleeps the whole `duration`, also when a signal interrupts the sleep (synchronous code only: async code
/// uses `Task.sleep`).
package func sleepThrough(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    guard duration > .zero else { return }
    var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&pause, &remaining) != 0, errno == EINTR { pause = remaining }
}
