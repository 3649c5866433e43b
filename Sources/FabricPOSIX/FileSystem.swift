// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// What the inventory asks the file system: whether a path is there or readable, a folder's entries, and what
/// identifies one version of a file.
package enum FileSystem {
    /// `nil` when the path exists; else why not (`access(2)` with `F_OK`).
    package static func existenceError(_ path: String) -> Errno? {
        access(path, F_OK) == 0 ? nil : .current
    }

    /// `nil` when this process may read the path; else why not (`access(2)` with `R_OK`).
    package static func readError(_ path: String) -> Errno? {
        access(path, R_OK) == 0 ? nil : .current
    }

    /// The entries of a folder, without `.` and `..`, in the order the file system gives them; `nil` when it
    /// cannot be listed.
    package static func entries(of folder: String) -> [String]? {
        guard let directory = opendir(folder) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The `stat(2)` fields that tell one version of a file from another.
    package struct Status: Sendable {
        package var device: UInt64
        package var inode: UInt64
        package var size: Int64
        package var modified: (seconds: Int64, nanoseconds: Int64)
        package var changed: (seconds: Int64, nanoseconds: Int64)
    }

    /// `stat(2)` of a path, following symlinks; `nil` when it is missing or cannot be examined.
    package static func status(_ path: String) -> Status? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Status(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modified: (Int64(status.st_mtim.tv_sec), Int64(status.st_mtim.tv_nsec)),
            changed: (Int64(status.st_ctim.tv_sec), Int64(status.st_ctim.tv_nsec)))
    }
}

/// The machine's clocks.
package enum SystemClock {
    /// `CLOCK_MONOTONIC`, in nanoseconds.
    package static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// `CLOCK_REALTIME`, in seconds since the Unix epoch.
    package static func wallSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The machine's name and processes.
package enum HostSystem {
    /// `gethostname(2)`, or `nil` when it fails.
    package static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether this process runs as root (its effective user id is 0).
    package static var isRoot: Bool { geteuid() == 0 }

    /// Whether a process with this pid exists: signal 0, where another user's process answers `EPERM`.
    package static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
