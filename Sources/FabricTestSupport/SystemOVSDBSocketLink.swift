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
