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

    /// `open(2)` flags, for callers that do not import the C library.
    package static let readOnly = O_RDONLY
    package static let writeOnly = O_WRONLY
    /// Fails on a symbolic link instead of following it.
    package static let noFollow = O_NOFOLLOW
    package static let noControllingTerminal = O_NOCTTY
    package static let nonBlocking = O_NONBLOCK

    /// `fstat(2)`.
    package func status() throws(Errno) -> FileSystem.Status {
        var status = stat()
        guard fstat(rawValue, &status) == 0 else { throw .current }
        return FileSystem.Status(status)
    }

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
    ///
    /// Reads straight into spare capacity that doubles from 4 KiB, which holds what fabric reads most (sysfs
    /// attributes, a VDSM device XML, a configuration file): no zero-filled staging chunk, whose 64 KiB of fresh
    /// pages cost a short-lived hook more than the read itself.
    package func readAll(limit: Int = .max) throws(ReadFailure) -> [UInt8] {
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        var used = 0
        while true {
            if used == buffer.count {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 1)
                larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = larger
            }
            let free = UnsafeMutableRawBufferPointer(rebasing: buffer[used...])
            let count: Int
            do {
                count = try retryingInterrupted { read(rawValue, free.baseAddress, free.count) }
            } catch {
                throw .system(error)
            }
            if count == 0 { return [UInt8](UnsafeRawBufferPointer(rebasing: buffer[..<used])) }
            guard used + count <= limit else { throw .tooLarge(limit: limit) }
            used += count
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
    /// One `send(2)` with `MSG_NOSIGNAL` on a descriptor owned elsewhere (a non-blocking socket may take part of
    /// `bytes`, or none: ``Errno/wouldBlock``); returns how many bytes went.
    package static func sendSome(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupted { Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// One `recv(2)` on a descriptor owned elsewhere; 0 when the peer closed.
    package static func receiveSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupted { Glibc.recv(descriptor, buffer.baseAddress, buffer.count, 0) }
    }

    /// The outcome of a non-blocking `connect(2)` once the socket is writable (`SO_ERROR`): `nil` when connected.
    package static func pendingSocketError(_ descriptor: Int32) -> Errno? {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return .current }
        return error == 0 ? nil : Errno(rawValue: error)
    }

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
