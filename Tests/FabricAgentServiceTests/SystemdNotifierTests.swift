// SPDX-License-Identifier: Apache-2.0
import FabricAgentService
import Foundation
import Testing

/// A unix datagram socket bound the way systemd binds NOTIFY_SOCKET.
final class NotifySocket {
    let fd: Int32
    let name: String

    /// - Parameter abstract: bind in the abstract namespace (`@name`) instead of a path.
    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        let unique = "fabric-notify-\(UUID().uuidString.prefix(8))"
        name = abstract ? "@" + unique : FileManager.default.temporaryDirectory.path + "/" + unique
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram, or `nil` after `seconds` without one.
    func receive(seconds: Int = 1) -> String? {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }

    deinit {
        close(fd)
        if !name.hasPrefix("@") { unlink(name) }
    }
}

@Suite struct SystemdNotifierTests {
    @Test(arguments: [false, true])
    func sendsTheStateAsOneDatagram(abstract: Bool) throws {
        let socket = try NotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.name])
        #expect(notifier.notify("READY=1\nSTATUS=serving"))
        #expect(socket.receive() == "READY=1\nSTATUS=serving")
        #expect(notifier.notify("STOPPING=1"))
        #expect(socket.receive() == "STOPPING=1")
    }

    @Test func withoutNotifySocketNothingIsSent() {
        #expect(SystemdNotifier(environment: [:]).notify("READY=1") == false)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"]).notify("READY=1") == false)
    }
}
