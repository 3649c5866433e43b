// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Points the system's default OVSDB socket, `/run/openvswitch/db.sock`, at a test's private ``OVSSandbox``:
/// libvirt runs `ovs-vsctl` without `--db`, so a guest with an `openvswitch` virtualport can only reach the
/// sandbox this way. Whatever was at that path is moved aside and put back by ``restore()`` (also in `deinit`).
/// An exclusive `flock` on `/run/lock/fabric-system-ovsdb.lock` serialises every test, in any process, that
/// needs the path; waiting for it is bounded.
public final class SystemOVSDBSocketLink: @unchecked Sendable {
    public static let path = "/run/openvswitch/db.sock"
    private let saved: String
    private let target: String
    private let lockFD: Int32
    private var restored = false
    private var movedAside = false

    public init(pointingAt socketPath: String, waitSeconds: Double = 300) throws {
        try FileManager.default.createDirectory(atPath: "/run/lock", withIntermediateDirectories: true)
        lockFD = open("/run/lock/fabric-system-ovsdb.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw SandboxError(message: "cannot open the OVSDB link lock: errno \(errno)") }
        let deadline = Date().addingTimeInterval(waitSeconds)
        while flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            if Date() > deadline {
                close(lockFD)
                throw SandboxError(message: "another test holds \(Self.path) for more than \(waitSeconds) s")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        saved = Self.path + ".fabric-saved-\(getpid())"
        target = socketPath
        do {
            try FileManager.default.createDirectory(atPath: "/run/openvswitch", withIntermediateDirectories: true)
            Self.undoKilledRuns()
            var info = stat()
            if lstat(Self.path, &info) == 0 {
                guard rename(Self.path, saved) == 0 else { throw SandboxError(message: "cannot move \(Self.path) aside") }
                movedAside = true
            }
            guard symlink(socketPath, Self.path) == 0 else {
                throw SandboxError(message: "cannot link \(Self.path) to \(socketPath): errno \(errno)")
            }
        } catch {
            restore()
            throw error
        }
    }

    deinit { restore() }

    /// A link to a sandbox whose `ovsdb-server` no longer runs (its socket file stays after the process is gone).
    public static func isLeftByAKilledRun(_ path: String) -> Bool {
        guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
            destination.hasPrefix(OVSSandbox.directoryPrefix)
        else { return false }
        let pidFile = (destination as NSString).deletingLastPathComponent + "/ovsdb-server.pid"
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return true }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// A test run killed while it held the link leaves it pointing at a sandbox that is gone, with what was there
    /// before moved aside under the dead process's id; put that back (or just drop the dangling link), so the host's
    /// own socket is never lost to a killed run. Called with the lock held.
    static func undoKilledRuns() {
        let directory = (path as NSString).deletingLastPathComponent
        let savedPrefix = (path as NSString).lastPathComponent + ".fabric-saved-"
        if isLeftByAKilledRun(path) { unlink(path) }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(savedPrefix) {
            guard let pid = pid_t(name.dropFirst(savedPrefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            var info = stat()
            if lstat(path, &info) != 0 { _ = rename("\(directory)/\(name)", path) }
        }
    }

    /// Removes the link and puts back what was there. Safe to call more than once.
    public func restore() {
        if restored { return }
        restored = true
        if let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: Self.path),
            destination == target
        {
            unlink(Self.path)
        }
        if movedAside { _ = rename(saved, Self.path) }
        flock(lockFD, LOCK_UN)
        close(lockFD)
    }
}
