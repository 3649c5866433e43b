// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// Reading and replacing the data file VDSM passes to a hook.
public enum HookFile {
    /// The whole file, refused past `limit` bytes. An empty file is returned as empty: VDSM uses it when it has
    /// no data.
    public static func read(_ path: String, limit: Int = .max) throws(HookFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open the hook data file \(path)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read the hook data file \(path)")
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= limit else {
                throw HookFailure("the hook data file \(path) is larger than \(limit / 1024 / 1024) MiB; the file was left unchanged")
            }
        }
    }

    /// Replaces the file's content atomically: a temporary file in the same directory (so `rename` stays on one
    /// file system) is written completely, flushed with `fsync`, given the original's mode, and renamed onto
    /// `path`. Readers see the old content or the new one, never an empty or partial file; on any error the
    /// temporary file is removed and the original is untouched. A process killed between `mkstemp` and `rename`
    /// can leave a `.<name>.fabric-XXXXXX` file behind, never a damaged original.
    public static func replaceAtomically(_ path: String, with bytes: [UInt8]) throws(HookFailure) {
        let directory = Self.directory(of: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        var template = Array("\(directory)/.\(base).fabric-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure("cannot create a temporary file next to \(path)") }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var descriptor: Int32? = fd
        do throws(HookFailure) {
            var original = stat()
            if stat(path, &original) == 0 {
                _ = fchmod(fd, original.st_mode & 0o7777)
                // Keeps VDSM's ownership when run as root (tests, manual runs); as `vdsm` it is a no-op.
                _ = fchown(fd, original.st_uid, original.st_gid)
            }
            try writeAll(fd, bytes, path: path)
            guard fsync(fd) == 0 else { throw failure("cannot flush the new content of \(path)") }
            descriptor = nil
            guard close(fd) == 0 else { throw failure("cannot write the new content of \(path)") }
            guard rename(temporary, path) == 0 else { throw failure("cannot replace \(path)") }
        } catch {
            if let descriptor { close(descriptor) }
            unlink(temporary)
            throw error
        }
        // Makes the rename itself durable; the content is already safe, so a failure here is not an error.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(HookFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write the new content of \(path)")
            }
            offset += written
        }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// A failure naming the system error, ending with the guarantee the caller relies on.
    private static func failure(_ what: String) -> HookFailure {
        let reason = String(cString: strerror(errno))
        return HookFailure("\(what): \(reason); the file was left unchanged")
    }
}
