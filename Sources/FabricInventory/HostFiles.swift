// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// Read-only access to the host's files (sysfs, procfs, VDSM and Neutron configuration), rooted at a
/// folder so tests can point the inventory at a fixture tree instead of `/`.
public struct HostFiles: Sendable {
    /// Prefix put before every absolute path; `""` is the real host.
    public var root: String

    public init(root: String = "") {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// The whole content of a small file, or `nil` when it is missing or unreadable.
    ///
    /// Linux occasionally returns an empty read for a sysfs attribute that is being updated, so an
    /// empty sysfs read is retried a few times, as VDSM does.
    public func read(_ path: String, retryEmpty: Bool = false) -> String? {
        let attempts = retryEmpty ? 5 : 1
        for _ in 0..<attempts {
            guard let text = readOnce(root + path) else { return nil }
            if !text.isEmpty || !retryEmpty { return text }
        }
        return ""
    }

    /// Why an existing file cannot be read by this process (`permission denied`), or `nil` when it is
    /// readable or missing: a configuration file the agent's user cannot read must not pass for an absent one.
    public func unreadableReason(_ path: String) -> String? {
        guard let error = FileSystem.readError(root + path), error == .permissionDenied || error == .notPermitted
        else { return nil }
        return "cannot read \(path): permission denied"
    }

    /// Whether a path exists (file, folder or symlink target).
    public func exists(_ path: String) -> Bool {
        FileSystem.existenceError(root + path) == nil
    }

    /// The entries of a folder, without `.` and `..`, sorted; `nil` when it cannot be listed.
    public func list(_ path: String) -> [String]? {
        FileSystem.entries(of: root + path)?.sorted()
    }

    /// What identifies one version of a file or folder on disk (`nil` when it is missing or cannot be
    /// examined): a rewrite in place moves its modification time and size, an atomic replace its inode, a
    /// change of owner or mode its change time, and a folder's modification time moves when an entry is
    /// added, removed or renamed.
    public func stamp(_ path: String) -> FileStamp? {
        guard let status = FileSystem.status(root + path) else { return nil }
        return FileStamp(
            device: status.device, inode: status.inode, size: status.size,
            modified: [status.modified.seconds, status.modified.nanoseconds],
            changed: [status.changed.seconds, status.changed.nanoseconds])
    }

    /// Configuration files are small; refuse to slurp something unbounded by mistake.
    static let sizeLimit = 4 << 20

    private func readOnce(_ fullPath: String) -> String? {
        guard let bytes = try? FileDescriptor.readFile(fullPath, limit: Self.sizeLimit) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One version of a file on disk, as ``HostFiles/stamp(_:)`` sees it.
public struct FileStamp: Sendable, Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    /// Seconds and nanoseconds.
    var modified: [Int64]
    var changed: [Int64]
}
