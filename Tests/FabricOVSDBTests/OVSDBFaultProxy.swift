// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import FabricOVSDB
import Foundation

/// A unix-socket proxy between an OVSDB client and a real `ovsdb-server` that passes the protocol
/// through untouched until one chosen message, and then misbehaves in one chosen way.
///
/// Everything before the fault is what a real server answers, so the client is exercised in the state
/// it really reaches (connected, monitoring, halfway through a transaction) and not in a scripted one.
/// Only the first ``faultyConnections`` connections on which the trigger occurs see the fault; later
/// ones pass through cleanly, so a test can watch a client reconnect and recover. Connections on which
/// the trigger never occurs (an agent's other clients of the same database) do not count.
final class OVSDBFaultProxy: @unchecked Sendable {
    /// The message at which the fault strikes.
    enum Trigger: Sendable {
        /// The client's `occurrence`-th request (1-based) with this method: the server never sees it,
        /// and the connection is closed whatever the ``Fault`` says.
        case request(String, occurrence: Int = 1)
        /// The server's reply to the client's `occurrence`-th request with this method.
        case reply(to: String, occurrence: Int = 1)
        /// The server's reply to every request with this method (for ``Fault/delay(_:)``).
        case everyReply(to: String)
        /// The server's `occurrence`-th notification with this method (`update` for a monitor).
        case notification(String, occurrence: Int = 1)
    }

    /// What the proxy sends instead of the triggering message.
    enum Fault: Sendable {
        /// The first half of the message, then nothing: the connection stays open and silent.
        case stallHalfway
        /// Half of the message (or none of it), then the connection is closed.
        case close(sendingHalf: Bool)
        /// These bytes instead of the message; the connection then stays open and silent.
        case garbage([UInt8])
        /// `prefix`, then `filler` repeated, then `suffix`: `totalBytes` in all (less a partial
        /// `filler`), streamed so the proxy itself holds only one chunk (its memory must not blur a
        /// measurement of the client's); then silence.
        case flood(prefix: [UInt8], filler: [UInt8], suffix: [UInt8] = [], totalBytes: Int)
        /// The message itself, held back for `delay` first (a slow server rather than a broken one).
        case delay(Duration)
    }

    let path: String
    let trigger: Trigger
    let fault: Fault
    let faultyConnections: Int

    private let upstreamPath: String
    private let listenFD: Int32
    private let lock = NSLock()
    private var open: [Connection] = []
    private var stopped = false
    private var listenerClosed = false
    private var acceptedCount = 0
    private var faultyCount = 0
    private var firedCount = 0
    private var sentToClient = 0

    /// Connections accepted so far.
    var connections: Int { lock.withLock { acceptedCount } }
    /// How many times the fault was injected: a test checks it, so a passing test cannot mean that
    /// the fault never happened.
    var faultsInjected: Int { lock.withLock { firedCount } }
    /// Bytes the proxy wrote to clients (during a flood: how far it got before the client gave up).
    var bytesSentToClients: Int { lock.withLock { sentToClient } }

    var endpoint: OVSDBEndpoint { OVSDBEndpoint(socketPath: path) }

    init(upstream: String, trigger: Trigger, fault: Fault, faultyConnections: Int = 1) throws {
        self.upstreamPath = upstream
        self.trigger = trigger
        self.fault = fault
        self.faultyConnections = faultyConnections
        path = "/tmp/ovsdb-fault-\(UInt32.random(in: 0...UInt32.max)).sock"
        listenFD = try Self.listen(at: path)
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fault-proxy-accept"
        thread.start()
    }

    deinit {
        stop()
    }

    /// Closes the listener and every connection; blocked proxy threads then return.
    func stop() {
        // shutdown, not close: it wakes the threads blocked in accept/recv/send on these descriptors,
        // which close them on their way out. Each close happens under the lock that guards the
        // shutdown, so a descriptor number is never shut down after it was closed and reused.
        let connections: [Connection] = lock.withLock {
            if stopped { return [] }
            stopped = true
            if !listenerClosed { _ = shutdown(listenFD, Int32(SHUT_RDWR)) }
            return open
        }
        for connection in connections { connection.shutDown() }
        unlink(path)
    }

    // MARK: - Connections

    private func acceptLoop() {
        defer {
            lock.withLock {
                listenerClosed = true
                close(listenFD)
            }
        }
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let upstream: Int32
            do { upstream = try Self.connect(to: upstreamPath) } catch {
                close(client)
                continue
            }
            let connection: Connection? = lock.withLock {
                if stopped { return nil }
                acceptedCount += 1
                let connection = Connection(client: client, upstream: upstream)
                open.append(connection)
                return connection
            }
            guard let connection else {
                close(client)
                close(upstream)
                return
            }
            let toServer = Thread { [self] in pumpRequests(connection) }
            toServer.name = "fault-proxy-requests"
            toServer.start()
            let toClient = Thread { [self] in pumpReplies(connection) }
            toClient.name = "fault-proxy-replies"
            toClient.start()
        }
    }

    /// One client's connection and what the two directions share about it.
    final class Connection: @unchecked Sendable {
        let client: Int32
        let upstream: Int32
        /// Decided when the trigger first occurs on this connection (``claimsFault(_:)``).
        var faulty: Bool?
        private let lock = NSLock()
        private var methodsByID: [JSONValue: String] = [:]
        private var requestCounts: [String: Int] = [:]
        private var notificationCounts: [String: Int] = [:]
        private var threadsLeft = 2
        private var closed = false

        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }

        /// Records a request; returns how many requests with its method came so far.
        func recordRequest(id: JSONValue?, method: String) -> Int {
            lock.withLock {
                if let id { methodsByID[id] = method }
                requestCounts[method, default: 0] += 1
                return requestCounts[method]!
            }
        }

        /// The method of the request `id` answers, and how many requests with that method preceded it.
        func requestAnswered(by id: JSONValue) -> (method: String, occurrence: Int)? {
            lock.withLock {
                guard let method = methodsByID.removeValue(forKey: id) else { return nil }
                return (method, requestCounts[method] ?? 0)
            }
        }

        func recordNotification(_ method: String) -> Int {
            lock.withLock {
                notificationCounts[method, default: 0] += 1
                return notificationCounts[method]!
            }
        }

        /// Ends both directions: blocked reads and writes return at once.
        func shutDown() {
            lock.withLock {
                guard !closed else { return }
                _ = shutdown(client, Int32(SHUT_RDWR))
                _ = shutdown(upstream, Int32(SHUT_RDWR))
            }
        }

        /// Closes both sockets once both directions are done with them.
        func threadEnded() {
            lock.withLock {
                threadsLeft -= 1
                guard threadsLeft == 0 else { return }
                closed = true
                close(client)
                close(upstream)
            }
        }
    }

    /// Client → server: passes requests on, unless one triggers a request fault.
    private func pumpRequests(_ connection: Connection) {
        defer { connection.threadEnded() }
        var framer = JSONStreamFramer(maximumMessageSize: Int.max)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while let count = Self.receive(connection.client, into: &buffer) {
            guard let messages = try? framer.append(buffer[0..<count]) else { return }
            for message in messages {
                let json = try? JSONValue(parsing: message)
                if let method = json?["method"]?.stringValue, json?["id"].map({ !$0.isNull }) ?? false {
                    let occurrence = connection.recordRequest(id: json?["id"], method: method)
                    if case .request(let wanted, let n) = trigger, wanted == method, n == occurrence, claimsFault(connection) {
                        // The request never reaches the server: the client is cut off mid-call.
                        lock.withLock { firedCount += 1 }
                        connection.shutDown()
                        return
                    }
                }
                guard Self.sendAll(connection.upstream, message) else { return }
            }
        }
        _ = shutdown(connection.upstream, Int32(SHUT_WR))
    }

    /// Server → client: passes replies and notifications on, until one triggers the fault.
    private func pumpReplies(_ connection: Connection) {
        defer { connection.threadEnded() }
        var framer = JSONStreamFramer(maximumMessageSize: Int.max)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var faulted = false
        while let count = Self.receive(connection.upstream, into: &buffer) {
            // After a fault the client hears nothing more; reading on keeps the server unblocked.
            if faulted { continue }
            guard let messages = try? framer.append(buffer[0..<count]) else { return }
            for message in messages where !faulted {
                if triggers(on: message, connection), claimsFault(connection) {
                    // A delayed message is still delivered, and the stream goes on after it.
                    if case .delay = fault {} else { faulted = true }
                    if !injectFault(on: message, into: connection) { return }
                    continue
                }
                guard send(message, to: connection.client) else { return }
            }
        }
        _ = shutdown(connection.client, Int32(SHUT_WR))
    }

    /// Whether the fault strikes `connection`, on which the trigger just occurred: yes for the first
    /// ``faultyConnections`` such connections, and always the same answer for one connection.
    private func claimsFault(_ connection: Connection) -> Bool {
        lock.withLock {
            if let faulty = connection.faulty { return faulty }
            let faulty = faultyCount < faultyConnections
            if faulty { faultyCount += 1 }
            connection.faulty = faulty
            return faulty
        }
    }

    private func triggers(on message: [UInt8], _ connection: Connection) -> Bool {
        guard let json = try? JSONValue(parsing: message) else { return false }
        if let method = json["method"]?.stringValue {
            let occurrence = connection.recordNotification(method)
            if case .notification(let wanted, let n) = trigger { return wanted == method && n == occurrence }
            return false
        }
        guard let id = json["id"], let (method, occurrence) = connection.requestAnswered(by: id) else { return false }
        switch trigger {
        case .reply(let wanted, let n): return wanted == method && n == occurrence
        case .everyReply(let wanted): return wanted == method
        default: return false
        }
    }

    /// Sends the fault in place of `message`. Returns whether the connection stays open.
    private func injectFault(on message: [UInt8], into connection: Connection) -> Bool {
        lock.withLock { firedCount += 1 }
        switch fault {
        case .stallHalfway:
            _ = send(Array(message.prefix(message.count / 2)), to: connection.client)
            return true
        case .close(let sendingHalf):
            if sendingHalf { _ = send(Array(message.prefix(message.count / 2)), to: connection.client) }
            connection.shutDown()
            return false
        case .garbage(let bytes):
            _ = send(bytes, to: connection.client)
            return true
        case .flood(let prefix, let filler, let suffix, let totalBytes):
            guard send(prefix, to: connection.client) else { return false }
            let chunk = Array([[UInt8]](repeating: filler, count: 64 * 1024 / filler.count).joined())
            var left = (totalBytes - prefix.count - suffix.count) / filler.count * filler.count
            while left > 0 {
                guard send(Array(chunk.prefix(left)), to: connection.client) else { return false }
                left -= min(left, chunk.count)
            }
            return send(suffix, to: connection.client)
        case .delay(let duration):
            Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
            return send(message, to: connection.client)
        }
    }

    private func send(_ bytes: [UInt8], to fd: Int32) -> Bool {
        guard Self.sendAll(fd, bytes) else { return false }
        lock.withLock { sentToClient += bytes.count }
        return true
    }

    // MARK: - Sockets

    private static func receive(_ fd: Int32, into buffer: inout [UInt8]) -> Int? {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return count }
            if count < 0, errno == EINTR { continue }
            return nil
        }
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Foundation.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    private static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        return address
    }

    private static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, Foundation.listen(fd, 16) == 0 else {
            close(fd)
            throw ProxyError("cannot listen on \(path): errno \(errno)")
        }
        return fd
    }

    private static func connect(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = address(path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, connected == 0 else {
            close(fd)
            throw ProxyError("cannot connect to \(path): errno \(errno)")
        }
        return fd
    }
}

struct ProxyError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
