// SPDX-License-Identifier: Apache-2.0

/// Why a provider vNIC cannot be wired. The message is the one sentence the engine will show.
public struct WiringError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
