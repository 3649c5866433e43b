// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricOVSDB

#if canImport(Glibc)
    import Glibc
#endif

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

    static func get(path: String, socketPath: String, timeoutMilliseconds: Int) -> Result<[UInt8], Unavailable> {
        func failed(_ what: String) -> Result<[UInt8], Unavailable> {
            .failure(Unavailable(description: "the agent at \(socketPath) \(what)"))
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return failed("could not be asked: socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return failed("has a path too long for a socket") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        // A unix-socket connect does not block for long; the deadline covers the request and reply.
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            switch errno {
            case ENOENT: return failed("does not exist: the agent is not running")
            case ECONNREFUSED: return failed("refused the connection: the agent is not running")
            case EACCES, EPERM:
                return failed("is not open to this user (uid \(getuid())): the socket's group (listen-group, kvm by default) must be one of the user's groups")
            case let code: return failed("could not be reached: \(String(cString: strerror(code)))")
            }
        }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Self.monotonicMilliseconds() + timeoutMilliseconds

        let request = Array("GET \(path) HTTP/1.1\r\nHost: fabric-agent\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return failed("closed the connection before the request was sent") }
            sent += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while Self.monotonicMilliseconds() < deadline {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { break }  // timed out or failed
            if n == 0 { break }
            response.append(contentsOf: chunk[0..<n])
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

    static func monotonicMilliseconds() -> Int {
        Int(HostClock.monotonicNanoseconds() / 1_000_000)
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
