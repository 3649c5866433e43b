// SPDX-License-Identifier: Apache-2.0

/// Why `fabric-wire` (or the hook doing its work in-process) did not change the host. The message is one
/// sentence: VDSM logs the hook's stderr as one line.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The arguments are not one of the accepted forms; nothing was attempted.
        case usage
        /// The change names a bridge that is not a provider bridge (``ProviderBridge``); nothing was attempted.
        case refused
        /// The change was attempted and failed (missing device, OVSDB error, kernel refusal, timeout), or the
        /// settings could not be read.
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
    public static func refused(_ message: String) -> WireError { WireError(.refused, message) }

    /// `fabric-wire`'s exit status: 64 (`EX_USAGE`) for rejected arguments, 77 (`EX_NOPERM`) for a bridge that is
    /// not the provider's, 1 for a failed change.
    public var exitCode: Int32 {
        switch kind {
        case .usage: 64
        case .refused: 77
        case .failed: 1
        }
    }

    public var description: String { message }
}
