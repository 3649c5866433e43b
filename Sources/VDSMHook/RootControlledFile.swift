// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

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
        let real: String
        do throws(Errno) {
            real = try FileSystem.canonicalPath(path)
        } catch {
            if error == .noSuchFile { return nil }
            throw .unreadable(path: path, reason: error.description)
        }
        // realpath left no symbolic link, so checking each directory of `real` covers every name the lookup uses.
        try checkDirectory("/", for: path)
        var directory = ""
        for component in real.split(separator: "/").dropLast() {
            directory += "/" + component
            try checkDirectory(directory, for: path)
        }

        let file: FileDescriptor
        do {
            file = try FileDescriptor(
                opening: real,
                flags: FileDescriptor.readOnly | FileDescriptor.noFollow | FileDescriptor.noControllingTerminal
                    | FileDescriptor.nonBlocking)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        let status: FileSystem.Status
        do throws(Errno) {
            status = try file.status()
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        guard status.isRegularFile else { throw .unreadable(path: path, reason: "it is not a regular file") }
        guard status.owner == 0 else { throw .notRootControlled(path: path, reason: "it does not belong to root") }
        guard !status.isWritableByGroupOrOthers else {
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
        let status: FileSystem.Status
        do throws(Errno) {
            status = try FileSystem.statusOrError(directory)
        } catch {
            throw .unreadable(path: path, reason: "\(directory): \(error)")
        }
        guard status.owner == 0 else {
            throw .notRootControlled(path: path, reason: "\(directory) does not belong to root")
        }
        guard !status.isWritableByGroupOrOthers || status.isSticky else {
            throw .notRootControlled(path: path, reason: "a group or others may write \(directory)")
        }
    }
}
