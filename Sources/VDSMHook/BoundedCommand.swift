// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

internal import Glibc

/// A command a hook runs (the privileged helper through `sudo -n`), bounded by one deadline: a hook must never
/// hang VDSM, and a setuid `sudo` may not even take our signal.
public enum BoundedCommand {
    /// Why the command did not succeed, in one line.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Runs `argv` with stdin on /dev/null and stderr captured, and stdout captured too (`captureOutput`, the two
    /// mixed) or on /dev/null; kills it at the deadline.
    /// - Returns: what the command wrote, when it exited 0.
    /// - Throws: ``BoundedCommand/Failure`` with the command's last line (sudo's own complaint, or a
    ///   `fabric-wire: ` line without its prefix), or why it could not run or did not finish.
    @discardableResult
    public static func run(_ argv: [String], timeout: Duration, captureOutput: Bool = false) throws(Failure) -> [UInt8] {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw Failure("cannot create a pipe: \(Errno.current)") }
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
        guard rc == 0 else { throw Failure("cannot run \(argv[0]): \(Errno(rawValue: rc))") }

        let deadline = ContinuousClock.now.advanced(by: timeout)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            guard let ready = try? reader.poll(for: .readable, timeout: ContinuousClock.now.duration(to: deadline)),
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
            if waited < 0, errno != EINTR { throw Failure("lost track of \(argv[0]): \(Errno.current)") }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                // A setuid sudo may not take our signal; never block on it: report and return.
                _ = waitpid(pid, &status, WNOHANG)
                throw Failure("\(argv.dropFirst(2).first ?? argv[0]) did not finish within \(timeout)")
            }
            usleep(2_000)
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let text = String(decoding: output, as: UTF8.self)
                .split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            // sudo's own complaints ("a password is required") and the helper's one line both end up here.
            let message = text.last.map { $0.hasPrefix("fabric-wire: ") ? String($0.dropFirst(13)) : $0 }
            let what = exited ? "exit status \(code)" : "signal \(status & 0x7f)"
            throw Failure(message ?? "\(argv.joined(separator: " ")) failed with \(what)")
        }
        return output
    }
}
