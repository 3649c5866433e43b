// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
    import Glibc
#endif

/// A flag a blocking worker thread polls and sleeps on, so an async service can stop it promptly.
/// Uses a pthread mutex and condition variable: the waits happen on threads that are not part of the
/// Swift concurrency pool.
final class StopFlag: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var stopped = false

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Timed waits on the monotonic clock, so a wall-clock jump cannot stretch a backoff.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    var isStopped: Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return stopped
    }

    func stop() {
        pthread_mutex_lock(&mutex)
        stopped = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Sleeps up to `seconds` or until ``stop()``; returns whether the flag is set.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let total = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + max(0, seconds)
        var deadline = timespec(tv_sec: Int(total), tv_nsec: Int((total - total.rounded(.down)) * 1e9))
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while !stopped {
            if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
        }
        return stopped
    }
}

/// Runs a blocking loop on a thread of its own (netlink `poll`, OVSDB reads), outside the
/// concurrency pool whose few threads must never block.
enum BlockingWorker {
    /// Starts `body` on a new detached thread named `name`.
    /// - Parameter niceness: added to the thread's nice value (Linux schedules threads individually),
    ///   for work that should yield the CPU to request handling under load.
    static func start(name: String, niceness: Int32 = 0, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(WorkerBox(body, name: name, niceness: niceness)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<WorkerBox>.fromOpaque(raw!).takeRetainedValue()
                box.nameThisThread()
                if box.niceness != 0 {
                    // On Linux the nice value is per thread, and `who` 0 is the calling thread.
                    let which = __priority_which_t(PRIO_PROCESS.rawValue)
                    _ = setpriority(which, 0, getpriority(which, 0) + box.niceness)
                }
                box.body()
                return nil
            }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}

private final class WorkerBox {
    let body: @Sendable () -> Void
    let name: String
    let niceness: Int32

    /// Shown by `top -H` and `ps -L`. Through procfs: Glibc's module has no `pthread_setname_np`,
    /// and `prctl` is variadic. The kernel keeps 15 bytes.
    func nameThisThread() {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    init(_ body: @escaping @Sendable () -> Void, name: String, niceness: Int32) {
        self.body = body
        self.name = name
        self.niceness = niceness
    }
}
