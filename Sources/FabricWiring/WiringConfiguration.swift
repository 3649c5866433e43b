// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
internal import Glibc
#endif

/// Host settings of the hooks. Tiny on purpose: `key = value` lines in `/etc/fabric/hooks.conf`, `#` comments.
///
/// | key | default | environment override |
/// |---|---|---|
/// | `integration_bridge` | `br-int` | `FABRIC_INTEGRATION_BRIDGE` |
///
/// The environment wins over the file. `FABRIC_HOOKS_CONF` names another file (tests, unusual layouts). A
/// missing file means defaults; an unreadable file, an unknown key, a line without `=` or an invalid value is
/// an error naming the key or line, because wiring vNICs onto a guessed bridge is worse than failing loudly.
public struct WiringConfiguration: Hashable, Sendable {
    public static let defaultPath = "/etc/fabric/hooks.conf"
    public static let pathVariable = "FABRIC_HOOKS_CONF"
    public static let integrationBridgeVariable = "FABRIC_INTEGRATION_BRIDGE"

    /// The OVS bridge OVS and OVN ports are plugged into.
    public var integrationBridge: String

    public init(integrationBridge: String = "br-int") {
        self.integrationBridge = integrationBridge
    }

    /// Parses the file format; `origin` names the file in error messages.
    public init(parsing text: String, origin: String = defaultPath) throws(WiringError) {
        self.init()
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw WiringError("\(origin) line \(number + 1) is not key = value: \(line)")
            }
            let key = line[..<equals].trimmingWhitespace
            let value = line[line.index(after: equals)...].trimmingWhitespace
            switch key {
            case "integration_bridge":
                guard HostNames.isBridgeName(value) else {
                    throw WiringError("\(origin): integration_bridge \"\(value)\" is not a valid bridge name")
                }
                integrationBridge = value
            default:
                throw WiringError("\(origin): unknown key \"\(key)\" (known: integration_bridge)")
            }
        }
    }

    /// Reads the file named by the environment (or the default path), then applies environment overrides.
    public static func load(environment: [String: String]) throws(WiringError) -> WiringConfiguration {
        let path = environment[pathVariable] ?? defaultPath
        var configuration = WiringConfiguration()
        if let text = try readIfPresent(path) {
            configuration = try WiringConfiguration(parsing: text, origin: path)
        }
        if let bridge = environment[integrationBridgeVariable] {
            guard HostNames.isBridgeName(bridge) else {
                throw WiringError("\(integrationBridgeVariable) \"\(bridge)\" is not a valid bridge name")
            }
            configuration.integrationBridge = bridge
        }
        return configuration
    }

    private static func readIfPresent(_ path: String) throws(WiringError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw WiringError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw WiringError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= 64 * 1024 else { throw WiringError("\(path) is larger than 64 KiB") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
