// SPDX-License-Identifier: Apache-2.0
public import FabricWiring
internal import FabricOVSDB

#if canImport(Glibc)
internal import Glibc
#endif

/// How a hook gets a ``HostChange`` applied: in-process when it already runs as root (tests, manual runs), else
/// through `sudo -n fabric-wire …` — VDSM runs hooks as `vdsm`, which can neither write the root-only OVSDB
/// socket nor change links. The sudoers drop-in allows exactly that one executable.
public enum PrivilegedWire {
    /// Where `make install` puts the helper; the sudoers drop-in names this path.
    public static let defaultHelperPath = "/usr/libexec/fabric/fabric-wire"
    /// Overrides the helper's path (tests run the built one; sudoers must allow it too).
    public static let helperPathVariable = "FABRIC_WIRE_PATH"
    public static let sudoPath = "/usr/bin/sudo"

    /// Applies `change`, bounded by `timeout` in total.
    /// - Throws: ``WireError`` with the helper's own one-line message when it fails.
    public static func apply(
        _ change: HostChange, environment: [String: String], timeout: Duration = .seconds(10)
    ) throws(WireError) {
        if geteuid() == 0 {
            try HostChangeExecutor.apply(change, endpoint: .fromEnvironment(environment), timeout: .seconds(5))
            return
        }
        let helper = environment[helperPathVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultHelperPath
        try run([sudoPath, "-n", helper] + change.wireArguments, timeout: timeout)
    }

    /// Runs `argv` with stdin and stdout on /dev/null and stderr captured; kills it at the deadline.
    static func run(_ argv: [String], timeout: Duration) throws(WireError) {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw .failed("cannot create a pipe: \(errnoText())") }
        // Close-on-exec for both ends: the child gets the write end only as its stderr (dup2 clears the flag).
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        close(pipeFDs[1])
        defer { close(pipeFDs[0]) }
        guard rc == 0 else { throw .failed("cannot run \(argv[0]): \(String(cString: strerror(rc)))") }

        let deadline = ContinuousClock.now.advanced(by: timeout)
        var stderr: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var open = true
        while open {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if count > 0 {
                if stderr.count < 4096 { stderr += buffer[0..<count] }
            } else if count == 0 || errno != EINTR {
                open = false
            }
        }
        var status: Int32 = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0, errno != EINTR { throw .failed("lost track of \(argv[0]): \(errnoText())") }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                // A setuid sudo may not take our signal; never block on it: report and return.
                _ = waitpid(pid, &status, WNOHANG)
                throw .failed("\(argv.dropFirst(2).first ?? argv[0]) did not finish within \(timeout)")
            }
            usleep(2_000)
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let text = String(decoding: stderr, as: UTF8.self)
                .split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            // sudo's own complaints ("a password is required") and the helper's one line both end up here.
            let message = text.last.map { $0.hasPrefix("fabric-wire: ") ? String($0.dropFirst(13)) : $0 }
            let what = exited ? "exit status \(code)" : "signal \(status & 0x7f)"
            throw .failed(message ?? "\(argv.joined(separator: " ")) failed with \(what)")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
