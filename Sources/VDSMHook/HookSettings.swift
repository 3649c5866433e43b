// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB
internal import FabricPOSIX

/// The settings of the hooks and of `fabric-wire`: `key = value` lines in `/etc/fabric/hooks.conf`, `#` comments.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `integration_bridge` | `br-int` | the OVS bridge OVS and OVN vNICs are plugged into |
/// | `linux_bridges` | none | Linux bridges, besides Neutron's `brq…`, that a Linux-bridge vNIC may name in `bridge_name` |
/// | `ovsdb` | `unix:/run/openvswitch/db.sock` | the Open vSwitch database |
/// | `agent_socket` | `/run/fabric/agent.sock` | where `after_get_caps` asks the agent for the table |
///
/// They come from that one file and only when root controls it (``RootControlledFile``). Nothing comes from the
/// environment: VDSM fills a hook's environment from custom properties that anyone allowed to edit a VM can set.
/// Tests give other settings by mounting another `/etc/fabric` in a private mount namespace, which no property
/// can reach. A missing file means the defaults. Anything wrong in the file is an error naming the line and the
/// key, never quoting the file: `fabric-wire` reads it as root on behalf of `vdsm`.
public struct HookSettings: Hashable, Sendable {
    public static let path = "/etc/fabric/hooks.conf"
    /// Far above any real file; a bound, because the file is read by a helper running as root.
    static let sizeLimit = 64 * 1024
    public static let keys = ["integration_bridge", "linux_bridges", "ovsdb", "agent_socket"]

    public var integrationBridge = "br-int"
    public var linuxBridges: [String] = []
    public var ovsdb = OVSDBEndpoint(socketPath: "/run/openvswitch/db.sock")
    public var agentSocket = "/run/fabric/agent.sock"

    public init(integrationBridge: String = "br-int", linuxBridges: [String] = []) {
        self.integrationBridge = integrationBridge
        self.linuxBridges = linuxBridges
    }

    /// Parses the file format; `origin` names the file in error messages.
    public init(parsing bytes: [UInt8], origin: String = path) throws(HookSettingsError) {
        guard !bytes.contains(0) else { throw HookSettingsError(origin, "holds a NUL byte; it is not a text file") }
        let text = String(decoding: bytes, as: UTF8.self)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") { continue }
            let place = "line \(index + 1)"
            guard let equals = line.firstIndex(of: "=") else { throw HookSettingsError(origin, "\(place) is not key = value") }
            let key = line[..<equals].trimmingWhitespace
            let value = line[line.index(after: equals)...].trimmingWhitespace
            switch key {
            case "integration_bridge":
                guard HostNames.isBridgeName(value) else {
                    throw HookSettingsError(origin, "\(place): integration_bridge is not a bridge name (1–15 of [A-Za-z0-9_.-])")
                }
                integrationBridge = value
            case "linux_bridges":
                let names = value.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
                guard names.allSatisfy(HostNames.isBridgeName) else {
                    throw HookSettingsError(origin, "\(place): linux_bridges holds a name that is not a bridge name")
                }
                linuxBridges = names
            case "ovsdb":
                do {
                    ovsdb = try OVSDBEndpoint(parsing: value)
                } catch {
                    throw HookSettingsError(origin, "\(place): ovsdb is not unix:PATH with a socket path under 108 bytes")
                }
            case "agent_socket":
                guard value.hasPrefix("/"), (try? UnixSocketAddress(path: value)) != nil else {
                    throw HookSettingsError(origin, "\(place): agent_socket is not an absolute socket path under 108 bytes")
                }
                agentSocket = value
            default:
                throw HookSettingsError(origin, "\(place) has an unknown key (known: \(Self.keys.joined(separator: ", ")))")
            }
        }
    }

    /// The settings in `path` (the host's file unless a test names another); the defaults when it is missing.
    public static func load(from path: String = path) throws(HookSettingsError) -> HookSettings {
        let bytes: [UInt8]?
        do {
            bytes = try RootControlledFile.read(path, limit: sizeLimit)
        } catch {
            switch error {
            case .notRootControlled(_, let reason): throw HookSettingsError(path, "is not used: \(reason)")
            case .unreadable(_, let reason): throw HookSettingsError(path, "cannot be read: \(reason)")
            case .tooLarge(_, let limit): throw HookSettingsError(path, "is larger than \(limit / 1024) KiB")
            }
        }
        guard let bytes else { return HookSettings() }
        return try HookSettings(parsing: bytes, origin: path)
    }
}

/// Why the hook settings cannot be used; the message names the file and the line or key, never its content.
public struct HookSettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    init(_ origin: String, _ problem: String) { message = "\(origin) \(problem)" }

    public var description: String { message }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
