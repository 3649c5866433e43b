// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricOVSDB

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /v1/interfaces` over the agent's unix socket, in plain sockets: the hook stays small and
/// starts fast, and a whole request has one deadline (connect, send and every read share it).
enum AgentClient {
    /// The served table, or `nil` when the agent is not there, too slow, or answers anything but a
    /// 200 with a `fabric.host-interfaces` document.
    static func fetchTable(socketPath: String, timeoutMilliseconds: Int) -> JSONValue? {
        guard let body = get(path: "/v1/interfaces", socketPath: socketPath, timeoutMilliseconds: timeoutMilliseconds),
            let table = try? JSONValue(parsing: body), table["schema"] == .string(HostTable.schemaName)
        else { return nil }
        return table
    }

    static func get(path: String, socketPath: String, timeoutMilliseconds: Int) -> [UInt8]? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        // A unix-socket connect does not block for long; the deadline covers the request and reply.
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return nil }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Self.monotonicMilliseconds() + timeoutMilliseconds

        let request = Array("GET \(path) HTTP/1.1\r\nHost: fabric-agent\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            sent += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while Self.monotonicMilliseconds() < deadline {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }  // timed out or failed
            if n == 0 { break }
            response.append(contentsOf: chunk[0..<n])
            if let body = completeBody(response) { return body }
        }
        return completeBody(response)
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
