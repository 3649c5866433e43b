// SPDX-License-Identifier: Apache-2.0
public import FabricJSON
internal import FabricPOSIX

/// A connection to `ovsdb-server` speaking RFC 7047 JSON-RPC over its unix socket.
///
/// Every call has a deadline (default 5 s): a VDSM hook waits on this client while libvirt starts a
/// VM, so a wedged server must surface as an error, never as a hang. While waiting for a reply the
/// client answers the server's `echo` requests and keeps `update` notifications for ``monitor``.
/// The socket is non-blocking and all waiting happens in `poll(2)`, so a deadline covers the whole
/// call, not each read.
///
/// Not thread-safe: one owner at a time (it is `~Copyable`, so it cannot be shared by accident).
public struct OVSDBClient: ~Copyable {
    public let endpoint: OVSDBEndpoint
    /// The deadline for calls that do not pass their own `timeout`.
    public var defaultTimeout: Duration

    private let socket: FileDescriptor
    /// TLS over the socket, for an `ssl:` endpoint.
    private let secureLayer: (any OVSDBSecureLayer)?
    private var framer = JSONStreamFramer()
    private var framedMessages: [[UInt8]] = []
    private var framedIndex = 0
    var pendingNotifications: [JSONValue] = []
    private var nextRequestID: Int64 = 1
    /// Set once the byte stream can no longer be trusted (a half-sent request, garbage from the
    /// server, a closed connection); every later call fails with this error.
    private var failure: OVSDBError?

    /// Connects to the database socket.
    ///
    /// - Parameters:
    ///   - endpoint: the socket; by default `$OVS_RUNDIR/db.sock` or `/run/openvswitch/db.sock`.
    ///   - timeout: the deadline for connecting and the default for every later call.
    /// - Throws: ``OVSDBError`` `.unreachable` (no socket, nobody listening), `.permissionDenied`,
    ///   `.timedOut`.
    ///   - secureLayer: makes the TLS layer of an `ssl:` endpoint (FabricTLS's `OVSDBTLSLayer.factory`); required
    ///     for one, unused for others.
    public init(
        endpoint: OVSDBEndpoint = .fromEnvironment(), timeout: Duration = .seconds(5),
        secureLayer: OVSDBSecureLayerFactory? = nil
    ) throws(OVSDBError) {
        self.endpoint = endpoint
        self.defaultTimeout = timeout
        let deadline = MonotonicInstant.now.advanced(by: timeout)
        let socket = try Self.connect(to: endpoint, timeout: timeout)
        guard endpoint.usesTLS else {
            self.socket = socket
            self.secureLayer = nil
            return
        }
        guard let secureLayer else {
            throw .invalidEndpoint(endpoint.description, "an ssl: remote needs TLS credentials, and none were given")
        }
        do {
            let layer = try secureLayer(socket.rawValue)
            try layer.handshake(timeout: MonotonicInstant.now.duration(to: deadline))
            self.secureLayer = layer
        } catch {
            throw .unreachable(endpoint, error.description)
        }
        self.socket = socket
    }

    // MARK: - JSON-RPC

    /// Sends one request and waits for its reply.
    ///
    /// - Returns: the reply's `result`.
    /// - Throws: ``OVSDBError`` `.serverError` when the reply's `error` is not null, `.timedOut`,
    ///   `.connectionClosed`, `.protocolViolation`.
    public mutating func call(method: String, params: [JSONValue], timeout: Duration? = nil) throws(OVSDBError)
        -> JSONValue
    {
        try call(method: method, params: params, deadline: deadline(timeout), what: method)
    }

    /// The deadline of a call, or of several calls that together make one operation, starting now.
    func deadline(_ timeout: Duration?) -> CallDeadline {
        CallDeadline(budget: timeout ?? defaultTimeout)
    }

    /// ``call(method:params:timeout:)`` against a deadline that may be shared with earlier calls;
    /// `what` names the call in a timeout's message.
    mutating func call(method: String, params: [JSONValue], deadline: CallDeadline, what: String) throws(OVSDBError)
        -> JSONValue
    {
        let timeout = deadline.budget
        let deadline = deadline.instant
        let id = nextRequestID
        nextRequestID += 1
        let request: JSONValue = ["method": .string(method), "params": .array(params), "id": .integer(id)]
        try send(request, deadline: deadline, timeout: timeout, what: what)
        while true {
            let message = try nextMessage(deadline: deadline, timeout: timeout, what: what)
            if message["method"] != nil {
                pendingNotifications.append(message)
                continue
            }
            // A reply to an earlier call that timed out is stale, not an error.
            guard message["id"] == .integer(id) else { continue }
            if let error = message["error"], !error.isNull {
                throw .serverError(method: method, error)
            }
            return message["result"] ?? .null
        }
    }

    /// `list_dbs`: the names of the databases the server holds (`Open_vSwitch`, `_Server`).
    public mutating func listDatabases(timeout: Duration? = nil) throws(OVSDBError) -> [String] {
        let result = try call(method: "list_dbs", params: [], timeout: timeout)
        guard let names = result.arrayValue?.compactMap(\.stringValue), names.count == result.arrayValue?.count else {
            throw .protocolViolation("list_dbs result is not an array of strings: \(result)")
        }
        return names
    }

    /// Runs one `transact`: all operations commit together or not at all.
    ///
    /// - Parameters:
    ///   - database: normally `Open_vSwitch`.
    ///   - operations: RFC 7047 operation objects (`{"op":"select",…}`).
    /// - Returns: one result object per operation.
    /// - Throws: ``OVSDBError`` `.operationFailed` naming the first failed operation (or the commit)
    ///   with the server's `error` and `details`; the transport errors of ``call(method:params:timeout:)``.
    public mutating func transact(
        database: String = "Open_vSwitch", operations: [JSONValue], timeout: Duration? = nil
    ) throws(OVSDBError) -> [JSONValue] {
        try transact(database: database, operations: operations, deadline: deadline(timeout))
    }

    /// ``transact(database:operations:timeout:)`` against a deadline shared by the calls of one operation.
    mutating func transact(
        database: String = "Open_vSwitch", operations: [JSONValue], deadline: CallDeadline
    ) throws(OVSDBError) -> [JSONValue] {
        let results = try transactAllowingFailure(database: database, operations: operations, deadline: deadline)
        if let failure = Self.firstFailure(in: results, operations: operations) { throw failure }
        return results
    }

    /// Like ``transact(database:operations:timeout:)`` but returns failed results instead of throwing,
    /// so callers can tell a failed `wait` (retry) from other failures.
    mutating func transactAllowingFailure(
        database: String, operations: [JSONValue], deadline: CallDeadline
    ) throws(OVSDBError) -> [JSONValue] {
        let result = try call(
            method: "transact", params: [.string(database)] + operations, deadline: deadline, what: "transact")
        guard let results = result.arrayValue else {
            throw .protocolViolation("transact result is not an array: \(result)")
        }
        return results
    }

    /// The error of the first failed operation. When every operation succeeded but the commit failed,
    /// the server appends one extra result holding the commit's error.
    static func firstFailure(in results: [JSONValue], operations: [JSONValue]) -> OVSDBError? {
        for (index, result) in results.enumerated() {
            guard let error = result["error"], !error.isNull else { continue }
            let operation = index < operations.count ? (operations[index]["op"]?.stringValue ?? "?") : "commit"
            return .operationFailed(
                index: index, operation: operation, error: error.stringValue ?? error.serialized(),
                details: result["details"]?.stringValue)
        }
        return nil
    }

    // MARK: - Messages

    /// The next message from the server that is not an `echo` request (those are answered here).
    mutating func nextMessage(deadline: MonotonicInstant, timeout: Duration, what: String) throws(OVSDBError)
        -> JSONValue
    {
        while true {
            let bytes = try nextFrame(deadline: deadline, timeout: timeout, what: what)
            let message: JSONValue
            do {
                message = try JSONValue(parsing: bytes)
            } catch {
                throw poison(.protocolViolation("server sent invalid JSON: \(error)"))
            }
            guard message.objectValue != nil else {
                throw poison(.protocolViolation("server sent a JSON-RPC message that is not an object"))
            }
            if message["method"] == "echo", let id = message["id"], !id.isNull {
                let reply: JSONValue = ["result": message["params"] ?? [], "error": nil, "id": id]
                try send(reply, deadline: deadline, timeout: timeout, what: what)
                continue
            }
            return message
        }
    }

    private mutating func nextFrame(deadline: MonotonicInstant, timeout: Duration, what: String)
        throws(OVSDBError) -> [UInt8]
    {
        if let failure { throw failure }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while framedIndex >= framedMessages.count {
            framedMessages.removeAll(keepingCapacity: true)
            framedIndex = 0
            let count = try receive(into: &chunk, deadline: deadline, timeout: timeout, what: what)
            do {
                framedMessages = try framer.append(chunk[0..<count])
            } catch {
                throw poison(error)
            }
        }
        defer { framedIndex += 1 }
        return framedMessages[framedIndex]
    }

    private mutating func poison(_ error: OVSDBError) -> OVSDBError {
        failure = error
        return error
    }

    // MARK: - Socket

    private static func connect(to endpoint: OVSDBEndpoint, timeout: Duration) throws(OVSDBError) -> FileDescriptor {
        let tcp = endpoint.tcpAddress
        var unix: UnixSocketAddress?
        if tcp == nil {
            do {
                unix = try UnixSocketAddress(path: endpoint.socketPath)
            } catch {
                throw .invalidEndpoint(endpoint.description, "the socket path is too long")
            }
        }
        let socket: FileDescriptor
        do {
            if let tcp {
                socket = try FileDescriptor.tcpSocket(for: tcp, nonBlocking: true)
            } else {
                socket = try FileDescriptor.unixSocket(nonBlocking: true)
            }
        } catch {
            throw .unreachable(endpoint, error.description)
        }
        let deadline = MonotonicInstant.now.advanced(by: timeout)
        while true {
            do {
                if let tcp { try socket.connect(to: tcp) } else if let unix { try socket.connect(to: unix) }
                break
            } catch {
                switch error {
                case .interrupted:
                    continue
                case .wouldBlock:
                    // The listen backlog is full: a busy server, not an absent one. Retry until the deadline.
                    guard MonotonicInstant.now < deadline else { throw .timedOut(endpoint, "the connection", timeout) }
                    sleepThrough(.milliseconds(10))
                case .inProgress:
                    try waitFor(fd: socket.rawValue, events: .writable, deadline: deadline) { () throws(OVSDBError) in
                        throw OVSDBError.timedOut(endpoint, "the connection", timeout)
                    }
                    if let error = FileDescriptor.pendingSocketError(socket.rawValue) { throw Self.connectError(endpoint, error) }
                    return socket
                default:
                    throw Self.connectError(endpoint, error)
                }
            }
        }
        return socket
    }

    private static func connectError(_ endpoint: OVSDBEndpoint, _ error: Errno) -> OVSDBError {
        switch error {
        case .permissionDenied, .notPermitted: .permissionDenied(endpoint, error.description)
        default: .unreachable(endpoint, error.description)
        }
    }

    /// Waits in `poll(2)` until `fd` is ready or the deadline passes (then `onTimeout` throws).
    private static func waitFor(
        fd: Int32, events: PollEvents, deadline: MonotonicInstant,
        onTimeout: () throws(OVSDBError) -> Void
    ) throws(OVSDBError) {
        let remaining = MonotonicInstant.now.duration(to: deadline)
        guard remaining > .zero,
            let ready = try? FileDescriptor.poll(fd, for: events, timeout: remaining), !ready.isEmpty
        else { try onTimeout(); return }
    }

    private mutating func send(_ message: JSONValue, deadline: MonotonicInstant, timeout: Duration, what: String)
        throws(OVSDBError)
    {
        if let failure { throw failure }
        let bytes = message.serializedBytes()
        let descriptor = socket.rawValue
        if let secureLayer {
            try sendSecurely(bytes, through: secureLayer, deadline: deadline, timeout: timeout, what: what)
            return
        }
        var offset = 0
        while offset < bytes.count {
            do throws(Errno) {
                offset += try bytes.withUnsafeBytes { raw in
                    Result { () throws(Errno) in
                        try FileDescriptor.sendSome(descriptor, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                    }
                }.get()
            } catch where error == .wouldBlock {
                let endpoint = self.endpoint
                do throws(OVSDBError) {
                    try Self.waitFor(fd: descriptor, events: .writable, deadline: deadline) { () throws(OVSDBError) in
                        throw OVSDBError.timedOut(endpoint, what, timeout)
                    }
                } catch {
                    // Part of the request may be on the wire: the stream is no longer in sync.
                    throw poison(error)
                }
            } catch {
                throw poison(.connectionClosed(endpoint, error.description))
            }
        }
    }

    private mutating func receive(
        into chunk: inout [UInt8], deadline: MonotonicInstant, timeout: Duration, what: String
    ) throws(OVSDBError) -> Int {
        let descriptor = socket.rawValue
        if let secureLayer {
            return try receiveSecurely(into: &chunk, through: secureLayer, deadline: deadline, timeout: timeout, what: what)
        }
        while true {
            let count: Int
            do throws(Errno) {
                count = try chunk.withUnsafeMutableBytes { buffer in
                    Result { () throws(Errno) in try FileDescriptor.receiveSome(descriptor, into: buffer) }
                }.get()
            } catch where error == .wouldBlock {
                let endpoint = self.endpoint
                try Self.waitFor(fd: descriptor, events: .readable, deadline: deadline) { () throws(OVSDBError) in
                    throw OVSDBError.timedOut(endpoint, what, timeout)
                }
                continue
            } catch {
                throw poison(.connectionClosed(endpoint, error.description))
            }
            guard count > 0 else { throw poison(.connectionClosed(endpoint, "the server closed the connection")) }
            return count
        }
    }

    // MARK: - TLS

    /// Waits for what the TLS layer asked for, or fails the call at the deadline.
    private func waitForTLS(
        _ transfer: OVSDBSecureTransfer, deadline: MonotonicInstant, timeout: Duration, what: String
    ) throws(OVSDBError) {
        let endpoint = self.endpoint
        try Self.waitFor(fd: socket.rawValue, events: transfer == .wantWrite ? .writable : .readable, deadline: deadline) {
            () throws(OVSDBError) in throw OVSDBError.timedOut(endpoint, what, timeout)
        }
    }

    private mutating func sendSecurely(
        _ bytes: [UInt8], through layer: any OVSDBSecureLayer, deadline: MonotonicInstant, timeout: Duration,
        what: String
    ) throws(OVSDBError) {
        var offset = 0
        while offset < bytes.count {
            let transfer = bytes.withUnsafeBytes { layer.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch transfer {
            case .done(let count): offset += count
            case .wantRead, .wantWrite:
                // Part of the request may be on the wire: a timeout leaves the stream out of sync.
                do { try waitForTLS(transfer, deadline: deadline, timeout: timeout, what: what) } catch { throw poison(error) }
            case .closed: throw poison(.connectionClosed(endpoint, "the server closed the TLS connection"))
            case .failed(let why): throw poison(.connectionClosed(endpoint, why))
            }
        }
    }

    private mutating func receiveSecurely(
        into chunk: inout [UInt8], through layer: any OVSDBSecureLayer, deadline: MonotonicInstant,
        timeout: Duration, what: String
    ) throws(OVSDBError) -> Int {
        while true {
            let transfer = chunk.withUnsafeMutableBytes { layer.read(into: $0) }
            switch transfer {
            case .done(let count): return count
            case .wantRead, .wantWrite: try waitForTLS(transfer, deadline: deadline, timeout: timeout, what: what)
            case .closed: throw poison(.connectionClosed(endpoint, "the server closed the TLS connection"))
            case .failed(let why): throw poison(.connectionClosed(endpoint, why))
            }
        }
    }
}
