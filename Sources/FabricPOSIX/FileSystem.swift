// SPDX-License-Identifier: Apache-2.0
internal import CLinuxShims
internal import Glibc

/// What fabric asks the file system (the inventory, the hooks' settings, the agent's socket): whether a path is
/// there, readable or executable, a folder's entries, a file's status, and the few changes the agent makes.
package enum FileSystem {
    /// `nil` when the path exists; else why not (`access(2)` with `F_OK`).
    package static func existenceError(_ path: String) -> Errno? {
        access(path, F_OK) == 0 ? nil : .current
    }

    /// `nil` when this process may execute the path; else why not (`access(2)` with `X_OK`).
    package static func executeError(_ path: String) -> Errno? {
        access(path, X_OK) == 0 ? nil : .current
    }

    /// Where a symbolic link points (`readlink(2)`), or `nil` when `path` is not one or cannot be read.
    package static func symbolicLinkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `nil` when this process may read the path; else why not (`access(2)` with `R_OK`).
    package static func readError(_ path: String) -> Errno? {
        access(path, R_OK) == 0 ? nil : .current
    }

    /// `chmod(2)`.
    package static func setMode(_ path: String, _ mode: UInt32) throws(Errno) {
        try retryingInterrupted { chmod(path, mode_t(mode)) }
    }

    /// `chown(2)` of the group only.
    package static func setGroup(_ path: String, _ group: UInt32) throws(Errno) {
        try retryingInterrupted { chown(path, uid_t.max, gid_t(group)) }
    }

    /// `mkdir(2)`; an existing folder is not an error.
    package static func makeDirectory(_ path: String, mode: UInt32) throws(Errno) {
        guard mkdir(path, mode_t(mode)) != 0 else { return }
        let error = Errno.current
        if error.rawValue != EEXIST { throw error }
    }

    /// `unlink(2)`, for clean-up: a failure (the path is gone already) is ignored.
    package static func remove(_ path: String) {
        _ = unlink(path)
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

    /// The `stat(2)` fields fabric reads: those that tell one version of a file from another, the owner and mode.
    package struct Status: Sendable {
        package var device: UInt64
        package var inode: UInt64
        package var size: Int64
        package var modified: (seconds: Int64, nanoseconds: Int64)
        package var changed: (seconds: Int64, nanoseconds: Int64)
        /// The owner's user id.
        package var owner: UInt32
        /// `st_mode`: the file type and permission bits.
        package var mode: UInt32

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            modified = (Int64(status.st_mtim.tv_sec), Int64(status.st_mtim.tv_nsec))
            changed = (Int64(status.st_ctim.tv_sec), Int64(status.st_ctim.tv_nsec))
            owner = status.st_uid
            mode = status.st_mode
        }

        package var isRegularFile: Bool { mode & S_IFMT == S_IFREG }
        /// Whether its group or others may write it.
        package var isWritableByGroupOrOthers: Bool { mode & (S_IWGRP | S_IWOTH) != 0 }
        /// The sticky bit: in such a folder only an entry's owner may replace it.
        package var isSticky: Bool { mode & S_ISVTX != 0 }
    }

    /// The canonical absolute path (`realpath(3)`: no symbolic link, `.` or `..` left).
    package static func canonicalPath(_ path: String) throws(Errno) -> String {
        guard let resolved = realpath(path, nil) else { throw .current }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `stat(2)` of a path, following symlinks; `nil` when it is missing or cannot be examined.
    package static func status(_ path: String) -> Status? {
        try? statusOrError(path)
    }

    /// `stat(2)` of a path, following symlinks.
    package static func statusOrError(_ path: String) throws(Errno) -> Status {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .current }
        return Status(status)
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

/// The machine's name and processes, and this process's environment.
package enum HostSystem {
    /// `getenv(3)`: one variable of this process's environment.
    package static func environmentVariable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// `gethostname(2)`, or `nil` when it fails.
    package static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// This process's environment, as `environ` holds it (a name without `=` is skipped).
    package static func environment() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                variables[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }

    /// Ends this process with `status` (`exit(3)`: buffered output is flushed, exit handlers run).
    package static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }

    /// Ends this process with `status` at once (`_exit(2)`): no exit handlers, no library destructors, nothing
    /// flushed. Only for a process that has nothing buffered left, such as a hook whose output went out with
    /// `write(2)`. A build with AddressSanitizer checks for leaks first, as its exit handler would have.
    package static func exitImmediately(_ status: Int32) -> Never {
        fabric_check_leaks_if_sanitized()
        Glibc._exit(status)
    }

    /// Replaces this process with the program at `path` (`execv(3)`: same pid, environment and descriptors);
    /// returns only when that failed, with why.
    package static func replaceProcess(with path: String, arguments: [String]) -> Errno {
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        execv(path, &cArguments)
        return .current
    }

    /// A group's id by name (`getgrnam_r(3)`), or `nil` when the host has no such group.
    package static func groupID(named name: String) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    /// Whether this process runs as root (its effective user id is 0).
    package static var isRoot: Bool { geteuid() == 0 }

    /// This process's real user id.
    package static var userID: UInt32 { getuid() }

    /// Whether a process with this pid exists: signal 0, where another user's process answers `EPERM`.
    package static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
