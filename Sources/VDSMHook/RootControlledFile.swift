// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

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

        let file: FileDescriptor
        do {
            file = try FileDescriptor(opening: real, flags: O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        var status = stat()
        guard fstat(file.rawValue, &status) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "it is not a regular file") }
        guard status.st_uid == 0 else { throw .notRootControlled(path: path, reason: "it does not belong to root") }
        guard status.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
            throw .notRootControlled(path: path, reason: "a group or others may write it")
        }
        do {
            return try file.readAll(limit: limit)
        } catch {
            switch error {
            case .tooLarge: throw .tooLarge(path: path, limit: limit)
            case .system(let reason): throw .unreadable(path: path, reason: reason.description)
            }
        }
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
