// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// Replacing a file's content so that readers see the old content or the new one, never an empty or partial
/// file, and a failure leaves the original untouched.
package enum AtomicFile {
    /// Why ``replace(_:with:)`` did not replace the file; the original is untouched in every case.
    package struct Failure: Error, Hashable, Sendable {
        package enum Step: String, Hashable, Sendable {
            case create = "create a temporary file next to"
            case write = "write the new content of"
            case flush = "flush the new content of"
            case rename = "replace"
        }

        package var step: Step
        package var errno: Errno
    }

    /// A temporary file in the same directory (so `rename` stays on one file system) is written completely,
    /// flushed with `fsync`, given the original's mode and owner, and renamed onto `path`; the directory is then
    /// flushed so the rename itself is durable. On any error the temporary file is removed. A process killed
    /// between `mkstemp` and `rename` can leave a `.<name>.fabric-XXXXXX` file behind, never a damaged original.
    /// A file that did not exist is created with `newFileMode`.
    ///
    /// `durable: false` skips both `fsync` calls (up to several milliseconds each on a journaling file system):
    /// the replace stays atomic for every reader while the system runs, only a power loss may lose it. For files
    /// whose content means nothing after a crash, such as the temporary data file VDSM hands a hook and reads
    /// back as soon as the hook exits.
    package static func replace(
        _ path: String, with bytes: some Collection<UInt8>, newFileMode: UInt32 = 0o600, durable: Bool = true
    ) throws(Failure) {
        let (directory, base) = Self.split(path)
        var template = Array("\(directory)/.\(base).fabric-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(step: .create, errno: .current) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do throws(Failure) {
            let file = FileDescriptor(owning: fd)
            var original = stat()
            if stat(path, &original) == 0 {
                _ = fchmod(fd, original.st_mode & 0o7777)
                // Keeps the owner when run as root (tests, manual runs); as the owner itself it changes nothing.
                _ = fchown(fd, original.st_uid, original.st_gid)
            } else {
                _ = fchmod(fd, mode_t(newFileMode))
            }
            do throws(Errno) { try file.writeAll(bytes) } catch { throw Failure(step: .write, errno: error) }
            guard !durable || fsync(fd) == 0 else { throw Failure(step: .flush, errno: .current) }
            // Closing reports delayed write errors (NFS, quotas) that would otherwise go unseen.
            let descriptor = file.release()
            guard close(descriptor) == 0 else { throw Failure(step: .write, errno: .current) }
            guard rename(temporary, path) == 0 else { throw Failure(step: .rename, errno: .current) }
        } catch {
            unlink(temporary)
            throw error
        }
        if durable, let directoryFile = try? FileDescriptor(opening: directory, flags: O_RDONLY | O_DIRECTORY) {
            // The content is already safe; a failure to flush the directory is not an error.
            _ = fsync(directoryFile.rawValue)
        }
    }

    /// The directory of `path` (`.` for a bare name) and the name in it.
    private static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let base = String(path[path.index(after: slash)...])
        return (slash == path.startIndex ? "/" : String(path[..<slash]), base)
    }
}
