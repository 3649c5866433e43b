// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A temporary `/etc/sudoers.d/fabric-test-<pid>-<hex>` letting `user` run `helper` as root without a password (by
/// default the installed path, which ``HookSettingsOverlay`` fills with the built helper); checked with
/// `visudo -cf` before it is installed, and removed by ``remove()`` or when dropped.
///
/// A test run that is killed (a session's end, a CI timeout) runs no deinit, and its drop-in would let later runs'
/// "sudo refuses" checks pass through it. So each drop-in names the process that made it, and a new one first
/// removes every drop-in whose process is gone.
public final class SudoersDropIn {
    static let directory = "/etc/sudoers.d"
    static let prefix = "fabric-test-"

    public let path = "\(SudoersDropIn.directory)/\(SudoersDropIn.prefix)\(getpid())-"
        + String(UInt32.random(in: 0...UInt32.max), radix: 16)

    public init(user: String, helper: String = "/usr/libexec/fabric/fabric-wire") throws {
        Self.removeOrphans()
        let text = """
            Defaults:\(user) !requiretty
            \(user) ALL=(root) NOPASSWD: \(helper)

            """
        let draft = NSTemporaryDirectory() + "sudoers-\(UUID().uuidString)"
        try text.write(toFile: draft, atomically: true, encoding: .utf8)
        defer { unlink(draft) }
        try ProcessRunner.checkedOutput("/usr/sbin/visudo", ["-cqf", draft])
        try ProcessRunner.checkedOutput("/usr/bin/install", ["-m", "0440", draft, path])
    }

    public func remove() { unlink(path) }
    deinit { remove() }

    /// The drop-ins left by test processes that no longer run, including those named before the pid was part of
    /// the name.
    public static func orphans() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            guard name.hasPrefix(prefix) else { return false }
            let fields = name.dropFirst(prefix.count).split(separator: "-")
            guard fields.count == 2, let pid = pid_t(fields[0]) else { return true }
            return kill(pid, 0) != 0 && errno == ESRCH
        }.map { "\(directory)/\($0)" }
    }

    public static func removeOrphans() {
        for path in orphans() { unlink(path) }
    }
}
