// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricJSON
import FabricOVSDB
import FabricPOSIX

/// `GET /v1/interfaces` over the agent's unix socket, in plain sockets: the hook stays small and
/// starts fast, and a whole request has one deadline (connect, send and every read share it).
enum AgentClient {
    /// Why the agent's table could not be used, in words for the table's `sources.agent.error`.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    /// The served table, validated but not built: a 200 with a `fabric.host-interfaces` document.
    static func fetchTable(socketPath: String, timeoutMilliseconds: Int) -> Result<JSONObjectText, Unavailable> {
        let body: [UInt8]
        switch get(path: "/v1/interfaces", socketPath: socketPath, timeoutMilliseconds: timeoutMilliseconds) {
        case .success(let bytes): body = bytes
        case .failure(let reason): return .failure(reason)
        }
        guard let table = try? JSONObjectText(validating: body), table.value("schema") == .string(HostTable.schemaName)
        else {
            return .failure(Unavailable(description: "the agent at \(socketPath) answered something that is not a host table"))
        }
        return .success(table)
    }

    /// What the host provides, from the agent's networks (`provides` of a `fabric.host-networks` document).
    static func fetchProvides(socketPath: String, timeoutMilliseconds: Int) -> Result<JSONValue, Unavailable> {
        switch get(path: "/v1/networks", socketPath: socketPath, timeoutMilliseconds: timeoutMilliseconds) {
        case .success(let body):
            guard let document = try? JSONValue(parsing: body), document["schema"] == .string(HostNetworks.schemaName),
                let provides = document["provides"], provides.objectValue != nil
            else {
                return .failure(Unavailable(description: "the agent at \(socketPath) answered networks without what the host provides"))
            }
            return .success(provides)
        case .failure(let reason): return .failure(reason)
        }
    }

    static func get(path: String, socketPath: String, timeoutMilliseconds: Int) -> Result<[UInt8], Unavailable> {
        func failed(_ what: String) -> Result<[UInt8], Unavailable> {
            .failure(Unavailable(description: "the agent at \(socketPath) \(what)"))
        }
        let deadline = MonotonicInstant.now.advanced(by: .milliseconds(timeoutMilliseconds))
        guard let address = try? UnixSocketAddress(path: socketPath) else { return failed("has a path that is not a socket address") }
        let socket: FileDescriptor
        do {
            socket = try FileDescriptor.unixSocket()
        } catch {
            return failed("could not be asked: socket: \(error)")
        }
        // A unix-socket connect does not block for long; the deadline covers the request and reply.
        do {
            try socket.connect(to: address)
        } catch {
            switch error {
            case .noSuchFile: return failed("does not exist: the agent is not running")
            case .connectionRefused: return failed("refused the connection: the agent is not running")
            case .permissionDenied, .notPermitted:
                return failed("is not open to this user (uid \(HostSystem.userID)): the socket's group (listen-group, kvm by default) must be one of the user's groups")
            default: return failed("could not be reached: \(error)")
            }
        }
        do {
            try socket.sendAll(Array("GET \(path) HTTP/1.1\r\nHost: fabric-agent\r\nConnection: close\r\n\r\n".utf8))
        } catch {
            return failed("closed the connection before the request was sent")
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let descriptor = socket.rawValue
        while let ready = try? socket.poll(for: .readable, timeout: MonotonicInstant.now.duration(to: deadline)), !ready.isEmpty {
            let count = (try? chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(Errno) in try FileDescriptor.receiveSome(descriptor, into: buffer) }
            }.get()) ?? 0
            if count == 0 { break }  // closed, or failed
            response.append(contentsOf: chunk[0..<count])
            if let body = completeBody(response) { return .success(body) }
        }
        if let body = completeBody(response) { return .success(body) }
        if response.isEmpty { return failed("did not answer within \(timeoutMilliseconds) ms") }
        let status = response.prefix { $0 != 13 && $0 != 10 }.prefix(40)
        return failed("did not answer with a whole 200 response (\"\(String(decoding: status, as: UTF8.self))\")")
    }

    /// The body of a complete `200` response with `Content-Length`, else `nil`.
    static func completeBody(_ response: [UInt8]) -> [UInt8]? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard response.count >= 4,
            let headerEnd = (0...(response.count - 4)).first(where: { Array(response[$0..<($0 + 4)]) == separator })
        else { return nil }
        let head = String(decoding: response[..<headerEnd], as: UTF8.self).lowercased()
        let lines = head.split(separator: "\r\n")
        guard let status = lines.first, status.hasPrefix("http/1.1 200") || status.hasPrefix("http/1.0 200") else {
            return nil
        }
        let bodyStart = headerEnd + 4
        guard let lengthLine = lines.first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: " "))
        else { return nil }
        guard response.count - bodyStart >= length else { return nil }
        return Array(response[bodyStart..<(bodyStart + length)])
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var result = self
        while result.first == set { result = result.dropFirst() }
        while result.last == set { result = result.dropLast() }
        return result
    }
}
