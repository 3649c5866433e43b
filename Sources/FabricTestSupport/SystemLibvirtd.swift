// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The libvirtd the tests use: the one `scripts/libvirt-setup.sh` starts (`libvirtd -d`, its pid in
/// `/run/libvirtd.pid`), for tests that inject a restart of it. Only that pid is ever signalled, and only while
/// `/proc/PID/comm` says `libvirtd`; it is started again the way the set-up script starts it.
public enum SystemLibvirtd {
    public static let pidFile = "/run/libvirtd.pid"

    /// The running daemon's pid, or `nil` when the pid file is missing, stale, or names another program.
    public static var pid: Int32? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1, kill(pid, 0) == 0,
            let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
            comm.trimmingCharacters(in: .whitespacesAndNewlines) == "libvirtd"
        else { return nil }
        return pid
    }

    /// SIGTERM to the daemon, then waits until its pid is gone (libvirtd leaves running guests alone).
    public static func stop(timeout: Double = 20) throws {
        guard let pid else { throw SandboxError(message: "no libvirtd running with pid file \(pidFile)") }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while kill(pid, 0) == 0 {
            guard Date() < deadline else { throw SandboxError(message: "libvirtd \(pid) did not stop within \(timeout) s") }
            usleep(10_000)
        }
    }

    /// `libvirtd -d`, then waits until it answers on `qemu:///system`.
    ///
    /// Started with `posix_spawn` and reaped with `waitpid`, not through Foundation's `Process`: the daemonizing
    /// parent exits as soon as the daemon runs, and `Process.waitUntilExit` missed that exit here (the test hung on
    /// a zombie). The daemon gets `/dev/null` for its standard descriptors, an empty signal mask and default
    /// handlers: the test runner's threads block SIGTERM, and a libvirtd that inherited that mask would never hear
    /// the next stop.
    public static func start(timeout: Double = 30) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let arguments = ["/usr/sbin/libvirtd", "-d"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, arguments[0], &actions, &attributes, &argv, environ)
        guard spawned == 0 else {
            throw SandboxError(message: "cannot start libvirtd: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        // WIFEXITED and WEXITSTATUS, which Swift does not import: libvirtd -d exits 0 once the daemon is up.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw SandboxError(message: "libvirtd -d failed with wait status \(status)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while (try? LibvirtGuest.virsh(["version"]).status) != 0 {
            guard Date() < deadline else { throw SandboxError(message: "libvirtd did not answer within \(timeout) s") }
            usleep(50_000)
        }
    }
}
