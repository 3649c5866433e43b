// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// Reads a settings file only when nobody but root can have written it: the file and every directory above it
/// belong to root, and none is writable by a group or others (a sticky directory such as `/tmp` is accepted:
/// there nobody else can replace root's entries). The hooks run as `vdsm` and `fabric-wire` runs as root on
/// their behalf, so a setting that `vdsm` could write would be a way around the helper's checks.
enum RootControlledFile {
    enum Failure: Error, Hashable, Sendable {
        /// The file, or a directory above it, may have been written by someone other than root.
        case notRootControlled(path: String, reason: String)
        case unreadable(path: String, reason: String)
        case tooLarge(path: String, limit: Int)
    }

    /// The file's bytes, or nil when it does not exist (a missing settings file means the defaults).
    static func read(_ path: String, limit: Int) throws(Failure) -> [UInt8]? {
        guard path.hasPrefix("/") else { throw .unreadable(path: path, reason: "the path is not absolute") }
        guard let resolved = realpath(path, nil) else {
            if errno == ENOENT { return nil }
            throw .unreadable(path: path, reason: systemError())
        }
        let real = String(cString: resolved)
        free(resolved)
        // realpath left no symbolic link, so checking each directory of `real` covers every name the lookup uses.
        try checkDirectory("/", for: path)
        var directory = ""
        for component in real.split(separator: "/").dropLast() {
            directory += "/" + component
            try checkDirectory(directory, for: path)
        }

        let fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw .unreadable(path: path, reason: systemError()) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "it is not a regular file") }
        guard status.st_uid == 0 else { throw .notRootControlled(path: path, reason: "it does not belong to root") }
        guard status.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
            throw .notRootControlled(path: path, reason: "a group or others may write it")
        }
        guard Int(status.st_size) <= limit else { throw .tooLarge(path: path, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled <= limit {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(path: path, reason: systemError()) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { throw .tooLarge(path: path, limit: limit) }
        return Array(bytes[..<filled])
    }

    private static func checkDirectory(_ directory: String, for path: String) throws(Failure) {
        var status = stat()
        guard stat(directory, &status) == 0 else { throw .unreadable(path: path, reason: "\(directory): \(systemError())") }
        guard status.st_uid == 0 else {
            throw .notRootControlled(path: path, reason: "\(directory) does not belong to root")
        }
        let writableByOthers = status.st_mode & (S_IWGRP | S_IWOTH) != 0
        guard !writableByOthers || status.st_mode & S_ISVTX != 0 else {
            throw .notRootControlled(path: path, reason: "a group or others may write \(directory)")
        }
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
