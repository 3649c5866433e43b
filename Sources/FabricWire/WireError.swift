// SPDX-License-Identifier: Apache-2.0

/// Why `fabric-wire` (or the hook doing its work in-process) did not change the host. The message is one
/// sentence: VDSM logs the hook's stderr as one line.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The arguments are not one of the accepted forms; nothing was attempted.
        case usage
        /// The change was attempted and failed (missing device, OVSDB error, kernel refusal, timeout).
        case failed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func usage(_ message: String) -> WireError { WireError(.usage, message) }
    public static func failed(_ message: String) -> WireError { WireError(.failed, message) }

    /// `fabric-wire`'s exit status: 64 (`EX_USAGE`) for rejected arguments, 1 for a failed change.
    public var exitCode: Int32 { kind == .usage ? 64 : 1 }

    public var description: String { message }
}
