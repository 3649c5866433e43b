// SPDX-License-Identifier: Apache-2.0
internal import CLinuxShims
internal import Glibc

/// An `eventfd(2)` one thread signals and another polls next to its other descriptors: a blocked worker thread
/// wakes at once, with no periodic wake-up to look at a flag. Once signalled it stays readable.
package final class WakeSignal: Sendable {
    package let descriptor: Int32

    package init() throws(Errno) {
        let fd = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard fd >= 0 else { throw .current }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Makes the descriptor readable (for good: nothing reads the counter back).
    package func signal() {
        var one: UInt64 = 1
        _ = try? retryingInterrupted { write(descriptor, &one, MemoryLayout<UInt64>.size) }
    }

    /// Reads the counter back, so that the descriptor is readable again only after the next ``signal()``:
    /// for a signal used more than once. Call it before looking for the work the signal announces.
    package func reset() {
        var value: UInt64 = 0
        _ = read(descriptor, &value, MemoryLayout<UInt64>.size)
    }

    /// Waits up to `timeout` (`nil`: forever) for the signal; returns whether it came.
    package func wait(timeout: Duration?) -> Bool {
        (try? FileDescriptor.poll(descriptor, for: .readable, timeout: timeout))?.isEmpty == false
    }
}
