// SPDX-License-Identifier: Apache-2.0
import NIOConcurrencyHelpers
internal import FabricPOSIX
import Synchronization

/// A serial executor with a thread of its own, for an actor whose work is long enough (the host table's
/// rebuilds: milliseconds at 4,096 links) that it must not hold one of the concurrency pool's few threads,
/// which serve the HTTP requests. Jobs run in the order they were enqueued. The thread ends with
/// ``shutdown()``, after the jobs already enqueued.
final class DedicatedThreadExecutor: SerialExecutor {
    private let jobs = NIOLockedValueBox<[UnownedJob]>([])
    private let stopped = Atomic<Bool>(false)
    private let wake: WakeSignal

    init(name: String) {
        // An eventfd fails only without file descriptors left; the agent could not serve anything then.
        guard let wake = try? WakeSignal() else { fatalError("cannot create an eventfd: \(Errno.current)") }
        self.wake = wake
        WorkerThread.start(name: name) { [self] in run() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLockedValue { $0.append(job) }
        wake.signal()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func shutdown() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    private func run() {
        while true {
            // Reset before looking: a job enqueued after the look signals again, so no wake-up is lost.
            wake.reset()
            let ready = jobs.withLockedValue { queue in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            if ready.isEmpty {
                if stopped.load(ordering: .acquiring) { return }
                _ = wake.wait(timeout: nil)
                continue
            }
            for job in ready { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}
