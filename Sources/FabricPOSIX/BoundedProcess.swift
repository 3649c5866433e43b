// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// A child process run to completion under one deadline (`posix_spawn`, stdin on /dev/null, stderr and
/// optionally stdout captured through one pipe), killed at the deadline and never waited for beyond it: a setuid
/// program may not even take the signal, and the caller (a hook) must never hang.
package enum BoundedProcess {
    /// How the child ended.
    package enum Outcome: Hashable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    package enum Failure: Error, Hashable, Sendable {
        case cannotCreatePipe(Errno)
        case cannotStart(Errno)
        case lostTrack(Errno)
        case timedOut
    }

    /// How long a child killed at the deadline is waited for.
    static let reapGrace: Duration = .milliseconds(100)

    /// Runs `argv` (`argv[0]` a path) with this process's environment.
    /// - Returns: how it ended and up to 64 KiB of what it wrote (stderr, and stdout with `captureOutput`).
    package static func run(_ argv: [String], timeout: Duration, captureOutput: Bool) throws(Failure)
        -> (outcome: Outcome, output: [UInt8])
    {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw .cannotCreatePipe(.current) }
        // Close-on-exec for both ends: the child gets the write end only as its stderr (dup2 clears the flag).
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        close(pipeFDs[1])
        let reader = FileDescriptor(owning: pipeFDs[0])
        guard rc == 0 else { throw .cannotStart(Errno(rawValue: rc)) }

        let deadline = MonotonicInstant.now.advanced(by: timeout)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while MonotonicInstant.now < deadline {
            guard let ready = try? reader.poll(for: .readable, timeout: MonotonicInstant.now.duration(to: deadline)),
                !ready.isEmpty
            else { break }
            let count = (try? retryingInterrupted { buffer.withUnsafeMutableBytes { read(reader.rawValue, $0.baseAddress, $0.count) } }) ?? 0
            if count == 0 { break }  // end of output, or a read error: either way nothing more comes
            if output.count < 64 * 1024 { output += buffer[0..<count] }
        }
        var status: Int32 = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0, errno != EINTR { throw .lostTrack(.current) }
            if MonotonicInstant.now >= deadline {
                kill(pid, SIGKILL)
                // A killed child is reaped, so no zombie outlives the call (a test process, or a hook that goes on,
                // would keep it). A setuid program may not take our signal: never block on it, give up after
                // `reapGrace`.
                let reapDeadline = MonotonicInstant.now.advanced(by: reapGrace)
                while waitpid(pid, &status, WNOHANG) == 0, MonotonicInstant.now < reapDeadline {
                    sleepThrough(.milliseconds(1))
                }
                throw .timedOut
            }
            sleepThrough(.milliseconds(2))
        }
        let outcome: Outcome = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
        return (outcome, output)
    }
}
