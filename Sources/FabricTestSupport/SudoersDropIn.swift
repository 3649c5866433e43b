// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A temporary `/etc/sudoers.d/fabric-test-<hex>` letting `user` run `helper` as root without a password (by
/// default the installed path, which ``HookSettingsOverlay`` fills with the built helper); checked with
/// `visudo -cf` before it is installed, and removed by ``remove()`` or when dropped.
public final class SudoersDropIn {
    public let path = "/etc/sudoers.d/fabric-test-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"

    public init(user: String, helper: String = "/usr/libexec/fabric/fabric-wire") throws {
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
}
