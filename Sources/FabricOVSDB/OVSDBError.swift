// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

/// Why talking to the Open vSwitch database failed. The ``description`` is one line meant for a
/// hook's stderr or the agent's log, naming the endpoint or operation involved.
public struct OVSDBError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The endpoint string is not a `unix:` path.
        case invalidEndpoint
        /// No server listens on the socket (missing file, refused connection).
        case unreachable
        /// The socket exists but this process may not connect to it.
        case permissionDenied
        /// The deadline passed before the server answered.
        case timedOut
        /// The server closed the connection, or a send/receive failed.
        case connectionClosed
        /// The server sent something that is not RFC 7047 JSON-RPC.
        case protocolViolation
        /// A message exceeded the framer's size limit.
        case messageTooLarge
        /// The server answered a request with a non-null `error`.
        case serverError
        /// One operation in a transaction failed, so nothing was committed.
        case operationFailed
        /// The bridge named in a write does not exist.
        case bridgeNotFound
        /// The interface named in a write does not exist.
        case interfaceNotFound
    }

    public var kind: Kind
    public var description: String

    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }

    static func invalidEndpoint(_ value: String, _ why: String) -> OVSDBError {
        OVSDBError(kind: .invalidEndpoint, description: "invalid Open vSwitch database endpoint \"\(value)\": \(why)")
    }

    static func unreachable(_ endpoint: OVSDBEndpoint, _ reason: String) -> OVSDBError {
        OVSDBError(kind: .unreachable, description: "Open vSwitch database is not reachable at \(endpoint): \(reason)")
    }

    static func permissionDenied(_ endpoint: OVSDBEndpoint, _ reason: String) -> OVSDBError {
        OVSDBError(
            kind: .permissionDenied,
            description: "permission denied connecting to the Open vSwitch database at \(endpoint): \(reason) "
                + "(needs root or the socket's group)")
    }

    static func timedOut(_ endpoint: OVSDBEndpoint, _ what: String, _ timeout: Duration) -> OVSDBError {
        OVSDBError(
            kind: .timedOut,
            description: "Open vSwitch database at \(endpoint) did not answer \(what) within \(timeout)")
    }

    static func connectionClosed(_ endpoint: OVSDBEndpoint, _ reason: String) -> OVSDBError {
        OVSDBError(kind: .connectionClosed, description: "connection to Open vSwitch database at \(endpoint) failed: \(reason)")
    }

    static func protocolViolation(_ reason: String) -> OVSDBError {
        OVSDBError(kind: .protocolViolation, description: "Open vSwitch database protocol error: \(reason)")
    }

    static func messageTooLarge(limit: Int) -> OVSDBError {
        OVSDBError(
            kind: .messageTooLarge,
            description: "Open vSwitch database protocol error: message larger than \(limit) bytes")
    }

    static func serverError(method: String, _ error: JSONValue) -> OVSDBError {
        let text = error.stringValue ?? error.serialized()
        return OVSDBError(kind: .serverError, description: "Open vSwitch database rejected \(method): \(text)")
    }

    static func operationFailed(index: Int, operation: String, error: String, details: String?) -> OVSDBError {
        var text = "Open vSwitch transaction failed at operation \(index + 1) (\(operation)): \(error)"
        if let details, !details.isEmpty { text += ": \(details)" }
        return OVSDBError(kind: .operationFailed, description: text)
    }

    static func bridgeNotFound(_ bridge: String) -> OVSDBError {
        OVSDBError(kind: .bridgeNotFound, description: "Open vSwitch bridge \"\(bridge)\" does not exist")
    }

    static func interfaceNotFound(_ interface: String) -> OVSDBError {
        OVSDBError(kind: .interfaceNotFound, description: "Open vSwitch interface \"\(interface)\" does not exist")
    }
}
