// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// An open file descriptor that closes itself: one owner, never copied, so it is closed exactly once.
package struct FileDescriptor: ~Copyable {
    package let rawValue: Int32

    /// Takes ownership of an open descriptor.
    package init(owning rawValue: Int32) { self.rawValue = rawValue }

    /// `open(2)` with `O_CLOEXEC` added: no descriptor leaks into the programs a hook or the agent runs.
    package init(opening path: String, flags: Int32, mode: UInt32 = 0) throws(Errno) {
        rawValue = try retryingInterrupted { open(path, flags | O_CLOEXEC, mode_t(mode)) }
    }

    deinit { close(rawValue) }

    /// Gives up ownership without closing: the caller closes the returned descriptor.
    package consuming func release() -> Int32 {
        let raw = rawValue
        discard self
        return raw
    }

    /// What ``readAll(limit:)`` found when it did not return the bytes.
    package enum ReadFailure: Error, Hashable, Sendable {
        case system(Errno)
        /// More than `limit` bytes: the reading stopped there.
        case tooLarge(limit: Int)
    }

    /// Every byte up to the end of the file, refusing more than `limit`.
    package func readAll(limit: Int = .max) throws(ReadFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count: Int
            do {
                count = try retryingInterrupted { chunk.withUnsafeMutableBytes { read(rawValue, $0.baseAddress, $0.count) } }
            } catch {
                throw .system(error)
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw .tooLarge(limit: limit) }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Writes every byte (a short write continues where it stopped).
    package func writeAll(_ bytes: some Collection<UInt8>) throws(Errno) {
        var remaining = Array(bytes)[...]
        while !remaining.isEmpty {
            let written = try retryingInterrupted {
                remaining.withUnsafeBytes { write(rawValue, $0.baseAddress, $0.count) }
            }
            remaining = remaining.dropFirst(written)
        }
    }

    /// `send(2)` of every byte with `MSG_NOSIGNAL`: a peer gone mid-write is an error, not a `SIGPIPE`.
    package func sendAll(_ bytes: some Collection<UInt8>) throws(Errno) {
        var remaining = Array(bytes)[...]
        while !remaining.isEmpty {
            let sent = try retryingInterrupted {
                remaining.withUnsafeBytes { Glibc.send(rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            remaining = remaining.dropFirst(sent)
        }
    }
}

extension FileDescriptor {
    /// The whole file at `path`; `nil` when it does not exist.
    package static func readFile(_ path: String, limit: Int = .max) throws(ReadFailure) -> [UInt8]? {
        let file: FileDescriptor
        do {
            file = try FileDescriptor(opening: path, flags: O_RDONLY)
        } catch {
            if error == .noSuchFile { return nil }
            throw .system(error)
        }
        return try file.readAll(limit: limit)
    }
}
