// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX
import ServiceLifecycle
import Synchronization

/// Tells a worker thread to stop, and wakes it at once wherever it waits: its own waits go through
/// ``wait(timeout:)`` or poll ``wakeDescriptor`` next to their own descriptors (an eventfd), so no thread
/// wakes up periodically just to look at a flag.
final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let wake: WakeSignal

    init() {
        // An eventfd fails only without file descriptors left; the agent could not serve anything then.
        guard let wake = try? WakeSignal() else { fatalError("cannot create an eventfd: \(Errno.current)") }
        self.wake = wake
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Readable once ``stop()`` was called; for `poll` next to a worker's own descriptors.
    var wakeDescriptor: Int32 { wake.descriptor }

    func stop() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Sleeps up to `timeout` or until ``stop()``; returns whether it was stopped.
    @discardableResult
    func wait(timeout: Duration) -> Bool {
        _ = wake.wait(timeout: timeout)
        return isStopped
    }

    /// As ``wait(timeout:)``, also ending early when `other` is signalled.
    @discardableResult
    func wait(timeout: Duration, or other: WakeSignal) -> Bool {
        _ = try? FileDescriptor.poll([(wake.descriptor, .readable), (other.descriptor, .readable)], timeout: timeout)
        return isStopped
    }
}

/// The one skeleton of the agent's blocking services (the netlink watcher, the counter sampler, the OVSDB
/// monitor): `produce` runs on a thread of its own, outside the concurrency pool whose few threads must never
/// block, and yields events; `consume` handles them on the async side.
///
/// One buffering policy: only the newest unread event is kept. Every event is a whole state (a snapshot, a
/// counter reading, the switch's state or its loss), so a slow consumer skips versions instead of buffering
/// without bound. A graceful shutdown, a thrown `consume` or the end of `produce` ends the service, and the
/// thread is stopped through its ``StopSignal``.
enum ThreadedService {
    static func run<Event: Sendable>(
        name: String, niceness: Int32 = 0,
        produce: @escaping @Sendable (_ stop: StopSignal, _ yield: (Event) -> Void) -> Void,
        consume: (Event) async throws -> Void
    ) async throws {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1))
        let stop = StopSignal()
        WorkerThread.start(name: name, niceness: niceness) {
            defer { continuation.finish() }
            produce(stop) { continuation.yield($0) }
        }
        defer { stop.stop() }
        try await withGracefulShutdownHandler {
            for await event in events { try await consume(event) }
        } onGracefulShutdown: {
            stop.stop()
        }
    }
}
