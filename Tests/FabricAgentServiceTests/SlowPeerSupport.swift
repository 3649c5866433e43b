// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the slow-peer tests measure and need from the system: a process's memory from `/proc`, the
/// descriptor limit of the test process and of the agent's unit, raw sockets and a clock.
enum SlowPeerSupport {
    /// A field of `/proc/PID/status` in KiB (`VmHWM`: peak resident size; `VmRSS`: resident now).
    static func memoryKiB(pid: Int32, _ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// `LimitNOFILE=` of systemd/fabric-agent.service, or systemd's default soft limit (1024) without one:
    /// the agent is started with the limit it has in production.
    static var unitFileLimit: Int {
        let path = FileManager.default.currentDirectoryPath + "/systemd/fabric-agent.service"
        let unit = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for line in unit.split(separator: "\n") where line.hasPrefix("LimitNOFILE=") {
            if let value = Int(line.dropFirst("LimitNOFILE=".count)) { return value }
        }
        return 1024
    }

    /// Raises this process's soft descriptor limit to at least `minimum` (within the hard limit); returns
    /// the soft limit in effect.
    @discardableResult
    static func raiseFileLimit(to minimum: Int) -> Int {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(minimum) {
            limit.rlim_cur = min(rlim_t(minimum), limit.rlim_max)
            _ = setrlimit(resource, &limit)
            _ = getrlimit(resource, &limit)
        }
        return Int(limit.rlim_cur)
    }

    static var prlimit: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") ? "/usr/bin/prlimit" : nil
    }

    /// A connected unix stream socket, or -1.
    static func connectUnix(_ path: String) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return -1 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            return -1
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            return -1
        }
        return descriptor
    }

    /// Sends all of `text`; false when the peer is gone.
    static func sendAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Seconds on the monotonic clock since the first use.
    static var now: Double {
        let elapsed = origin.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    private static let origin = ContinuousClock.now

    /// `POLLRDHUP` (the peer closed its end), which Swift's Glibc module leaves out (it is `_GNU_SOURCE`).
    static let pollPeerClosed = Int16(0x2000)
}
