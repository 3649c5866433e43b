// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// Reading and replacing the data file VDSM passes to a hook.
public enum HookFile {
    /// The whole file, refused past `limit` bytes. An empty file is returned as empty: VDSM uses it when it has
    /// no data.
    public static func read(_ path: String, limit: Int = .max) throws(HookFailure) -> [UInt8] {
        let file: FileDescriptor
        do {
            file = try FileDescriptor(opening: path, flags: FileDescriptor.readOnly)
        } catch {
            throw HookFailure("cannot open the hook data file \(path): \(error); the file was left unchanged")
        }
        do {
            return try file.readAll(limit: limit)
        } catch {
            switch error {
            case .tooLarge(let limit):
                throw HookFailure("the hook data file \(path) is larger than \(limit / 1024 / 1024) MiB; the file was left unchanged")
            case .system(let reason):
                throw HookFailure("cannot read the hook data file \(path): \(reason); the file was left unchanged")
            }
        }
    }

    /// Replaces the file's content atomically (``AtomicFile``): readers see the old content or the new one,
    /// never an empty or partial file, and on any error the original is untouched.
    ///
    /// Not flushed to disk (`durable: false`): VDSM's `_runHooksDir` creates the data file with `mkstemp`, reads
    /// it back as soon as the hook exits and unlinks it, so its content is worthless after a crash, while the
    /// two `fsync`s (file, then directory) cost 0.1-5 ms per run on ext4, waiting for a journal commit. Readers
    /// still see the old or the new content, never a partial file; write errors still surface from `write` and
    /// `close`.
    public static func replaceAtomically(_ path: String, with bytes: [UInt8]) throws(HookFailure) {
        do {
            try AtomicFile.replace(path, with: bytes, durable: false)
        } catch {
            throw HookFailure("cannot \(error.step.rawValue) \(path): \(error.errno); the file was left unchanged")
        }
    }
}
