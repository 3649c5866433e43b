// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// Threads of fabric's own, outside Swift's concurrency pool: detached and named for blocking services, or joined
/// for work that changes the calling thread's state.
package enum WorkerThread {
    /// Runs `body` on a new thread and waits for it to end: for work that changes the calling thread's state
    /// (entering a namespace) and must not run on a thread that goes back to a pool.
    package static func runAndWait(_ body: @escaping () -> Void) throws(Errno) {
        let box = Unmanaged.passRetained(JoinedBox(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<JoinedBox>.fromOpaque(raw!).takeUnretainedValue().body()
                return nil
            }, box)
        defer { Unmanaged<JoinedBox>.fromOpaque(box).release() }
        guard created == 0 else { throw Errno(rawValue: created) }
        pthread_join(thread, nil)
    }

    /// Starts `body` on a new detached thread named `name` (shown by `top -H` and `ps -L`).
    /// - Parameter niceness: added to the thread's nice value (Linux schedules threads individually),
    ///   for work that should yield the CPU to request handling under load.
    package static func start(name: String, niceness: Int32 = 0, _ body: @escaping @Sendable () -> Void) {
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

private final class JoinedBox {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

private final class WorkerBox {
    let body: @Sendable () -> Void
    let name: String
    let niceness: Int32

    /// Through procfs: Glibc's module has no `pthread_setname_np`, and `prctl` is variadic. The kernel keeps
    /// 15 bytes.
    func nameThisThread() {
        guard let comm = try? FileDescriptor(opening: "/proc/thread-self/comm", flags: O_WRONLY) else { return }
        try? comm.writeAll(name.utf8.prefix(15))
    }

    init(_ body: @escaping @Sendable () -> Void, name: String, niceness: Int32) {
        self.body = body
        self.name = name
        self.niceness = niceness
    }
}
