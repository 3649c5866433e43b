// SPDX-License-Identifier: Apache-2.0

/// What the Neutron agents' configuration files say about this host's wiring: the Open vSwitch
/// agent's bridges and the Linux bridge agent's physical interfaces.
public struct NeutronAgentConfig: Sendable, Hashable, Codable {
    /// `[ovs] integration_bridge`, default `br-int`.
    public var integrationBridge: String
    /// `[ovs] tunnel_bridge`, default `br-tun`.
    public var tunnelBridge: String
    /// `[ovs] bridge_mappings`: physical network → OVS bridge.
    public var ovsBridgeMappings: [String: String]
    /// `[linux_bridge] physical_interface_mappings`: physical network → host interface.
    public var linuxBridgeInterfaceMappings: [String: String]
    /// `[linux_bridge] bridge_mappings`: physical network → existing Linux bridge.
    public var linuxBridgeBridgeMappings: [String: String]
    /// `[agent] tunnel_types` of the Open vSwitch agent (`gre`, `vxlan`, `geneve`); empty without tunnels.
    public var ovsTunnelTypes: [String] = []
    /// `[vxlan] enable_vxlan` of the Linux bridge agent (its default is true, when the agent is deployed).
    public var linuxBridgeVXLAN: Bool?
    /// Configuration files that exist but could not be used.
    public var warnings: [String]

    public init(
        integrationBridge: String = "br-int", tunnelBridge: String = "br-tun",
        ovsBridgeMappings: [String: String] = [:], linuxBridgeInterfaceMappings: [String: String] = [:],
        linuxBridgeBridgeMappings: [String: String] = [:], warnings: [String] = []
    ) {
        self.integrationBridge = integrationBridge
        self.tunnelBridge = tunnelBridge
        self.ovsBridgeMappings = ovsBridgeMappings
        self.linuxBridgeInterfaceMappings = linuxBridgeInterfaceMappings
        self.linuxBridgeBridgeMappings = linuxBridgeBridgeMappings
        self.warnings = warnings
    }

    public static let defaultOVSAgentPath = "/etc/neutron/plugins/ml2/openvswitch_agent.ini"
    public static let defaultLinuxBridgeAgentPath = "/etc/neutron/plugins/ml2/linuxbridge_agent.ini"

    /// Reads both agents' files when present; a missing file is normal (that agent is not deployed).
    public static func load(
        files: HostFiles, ovsAgentPath: String = defaultOVSAgentPath,
        linuxBridgeAgentPath: String = defaultLinuxBridgeAgentPath
    ) -> NeutronAgentConfig {
        var config = NeutronAgentConfig()
        if let text = config.read(ovsAgentPath, files: files) {
            let ini = INIFile(text: text)
            if let bridge = ini.value(section: "ovs", key: "integration_bridge"), !bridge.isEmpty {
                config.integrationBridge = bridge
            }
            if let bridge = ini.value(section: "ovs", key: "tunnel_bridge"), !bridge.isEmpty {
                config.tunnelBridge = bridge
            }
            config.ovsBridgeMappings = parseMappings(
                ini.value(section: "ovs", key: "bridge_mappings"), file: ovsAgentPath, warnings: &config.warnings)
            config.ovsTunnelTypes = (ini.value(section: "agent", key: "tunnel_types") ?? "")
                .split(separator: ",").map { String($0).trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
        }
        if let text = config.read(linuxBridgeAgentPath, files: files) {
            let ini = INIFile(text: text)
            config.linuxBridgeInterfaceMappings = parseMappings(
                ini.value(section: "linux_bridge", key: "physical_interface_mappings"), file: linuxBridgeAgentPath,
                warnings: &config.warnings)
            config.linuxBridgeBridgeMappings = parseMappings(
                ini.value(section: "linux_bridge", key: "bridge_mappings"), file: linuxBridgeAgentPath,
                warnings: &config.warnings)
            config.linuxBridgeVXLAN = ini.value(section: "vxlan", key: "enable_vxlan").map {
                ["true", "yes", "1", "on"].contains($0.lowercased())
            } ?? true
        }
        return config
    }

    /// The file's text, or `nil` when it is missing; a file that exists but cannot be read (the agent not in
    /// group `neutron`) is a warning, never passed off as absent. Asks why only when the read fails.
    mutating func read(_ path: String, files: HostFiles) -> String? {
        if let text = files.read(path) { return text }
        if let reason = files.unreadableReason(path) { warnings.append(reason) }
        return nil
    }

    /// `physnet1:br-eth1, physnet2:br-eth2` → `[physnet1: br-eth1, …]`; malformed entries become warnings.
    static func parseMappings(_ value: String?, file: String, warnings: inout [String]) -> [String: String] {
        guard let value else { return [:] }
        var mappings: [String: String] = [:]
        for entry in value.split(separator: ",") {
            let item = String(entry).trimmingWhitespace()
            if item.isEmpty { continue }
            let parts = item.split(separator: ":", maxSplits: 1).map { String($0).trimmingWhitespace() }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                warnings.append("\(file): ignoring mapping '\(item)' (expected physnet:device)")
                continue
            }
            mappings[parts[0]] = parts[1]
        }
        return mappings
    }
}

/// The oslo.config INI dialect, enough for reading agent settings: sections, `key = value`, `#`/`;`
/// comments, indented continuation lines appended to the previous value.
struct INIFile {
    private var values: [String: [String: String]] = [:]

    init(text: String) {
        var section = "DEFAULT"
        var lastKey: String?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if let first = line.first, first == " " || first == "\t", let key = lastKey {
                values[section]?[key]? += trimmed
                continue
            }
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                section = String(trimmed.dropFirst().dropLast()).trimmingWhitespace()
                lastKey = nil
                continue
            }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = String(trimmed[..<separator]).trimmingWhitespace()
            let value = String(trimmed[trimmed.index(after: separator)...]).trimmingWhitespace()
            values[section, default: [:]][key] = value
            lastKey = key
        }
    }

    func value(section: String, key: String) -> String? {
        values[section]?[key] ?? values["DEFAULT"]?[key]
    }
}
