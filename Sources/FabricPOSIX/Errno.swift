// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// A system error number, with its C library text. Every system call wrapper of this module throws it, and
/// retries `EINTR` itself (``retryingInterrupted(_:)``), so no caller writes that loop again.
package struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    package var rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno`.
    package static var current: Errno { Errno(rawValue: errno) }

    package static let noSuchFile = Errno(rawValue: ENOENT)
    package static let interrupted = Errno(rawValue: EINTR)
    package static let permissionDenied = Errno(rawValue: EACCES)
    package static let notPermitted = Errno(rawValue: EPERM)
    package static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    package static let wouldBlock = Errno(rawValue: EAGAIN)
    package static let inProgress = Errno(rawValue: EINPROGRESS)
    package static let noBufferSpace = Errno(rawValue: ENOBUFS)
    package static let invalidArgument = Errno(rawValue: EINVAL)

    /// The C name (`ENOENT`) of the codes fabric meets, for messages; `nil` for others.
    package var name: String? { Self.names[rawValue] }

    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EBADF: "EBADF", EAGAIN: "EAGAIN",
        ENOMEM: "ENOMEM", EACCES: "EACCES", EBUSY: "EBUSY", EEXIST: "EEXIST", ENODEV: "ENODEV",
        EINVAL: "EINVAL", EMFILE: "EMFILE", ENOBUFS: "ENOBUFS", EOPNOTSUPP: "EOPNOTSUPP",
        EPROTONOSUPPORT: "EPROTONOSUPPORT", ENOTSOCK: "ENOTSOCK",
    ]

    /// `strerror`'s text, such as "No such file or directory".
    package var description: String { String(cString: strerror(rawValue)) }
}

/// Calls `body` until it does not fail with `EINTR`; a negative result throws the `errno` it left.
@discardableResult
package func retryingInterrupted<Result: BinaryInteger>(_ body: () -> Result) throws(Errno) -> Result {
    while true {
        let result = body()
        if result >= 0 { return result }
        let error = Errno.current
        if error != .interrupted { throw error }
    }
}
