// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Other hook settings for one process tree, given the only way the hooks accept them: from root's files at the
/// fixed paths, here seen through a private mount namespace. `/etc` gets `fabric/hooks.conf` and, when a helper
/// is given, `/usr/libexec` gets `fabric/fabric-wire`, each as a read-only overlay on the host's directory, so the
/// host's own files are neither changed nor hidden. No custom property (an environment variable) can do this.
public final class HookSettingsOverlay {
    /// Root of the overlay layers: `etc/fabric/hooks.conf`, `libexec/fabric/fabric-wire`.
    public let directory: String
    private let hasHelper: Bool
    private let hidesSudo: Bool

    /// - Parameters:
    ///   - settings: the content of `/etc/fabric/hooks.conf` inside the namespace.
    ///   - helper: an executable to appear as `/usr/libexec/fabric/fabric-wire` (the built one).
    ///   - hidingSudo: `/usr/bin/sudo` becomes an empty file that cannot run, as on a host without sudo.
    public init(settings: String, helper: String? = nil, hidingSudo: Bool = false) throws {
        directory = NSTemporaryDirectory() + "fabric-settings-\(UUID().uuidString)"
        let manager = FileManager.default
        let directoryMode: [FileAttributeKey: Any] = [.posixPermissions: 0o755]
        try manager.createDirectory(atPath: directory + "/etc/fabric", withIntermediateDirectories: true, attributes: directoryMode)
        guard manager.createFile(atPath: directory + "/etc/fabric/hooks.conf", contents: Data(settings.utf8), attributes: [.posixPermissions: 0o644])
        else { throw SandboxError(message: "cannot write \(directory)/etc/fabric/hooks.conf") }
        if let helper {
            try manager.createDirectory(atPath: directory + "/libexec/fabric", withIntermediateDirectories: true, attributes: directoryMode)
            try manager.copyItem(atPath: helper, toPath: directory + "/libexec/fabric/fabric-wire")
            try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/libexec/fabric/fabric-wire")
        }
        hasHelper = helper != nil
        hidesSudo = hidingSudo
        if hidingSudo {
            guard manager.createFile(atPath: directory + "/no-sudo", contents: Data(), attributes: [.posixPermissions: 0o644])
            else { throw SandboxError(message: "cannot write \(directory)/no-sudo") }
        }
        // The layers are root's, as the settings must be (HookSettings refuses anything else).
        for path in [directory, directory + "/etc"] { try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
    }

    /// Put before a command: runs it in a new mount namespace with the overlays mounted.
    public var commandPrefix: [String] {
        var script = #"mount -t overlay fabric-settings -o "lowerdir=$1/etc:/etc" /etc"#
        if hasHelper { script += #" && mount -t overlay fabric-helper -o "lowerdir=$1/libexec:/usr/libexec" /usr/libexec"# }
        if hidesSudo { script += #" && mount --bind "$1/no-sudo" /usr/bin/sudo"# }
        script += #" && shift && exec "$@""#
        return ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", directory]
    }

    /// Why the overlay cannot be used here, or nil.
    public static let unavailableReason: String? = {
        if geteuid() != 0 { return "hook settings overlay: needs root for a mount namespace" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") { return "hook settings overlay: unshare missing (util-linux)" }
        return nil
    }()

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}
