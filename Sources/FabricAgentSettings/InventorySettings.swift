// SPDX-License-Identifier: Apache-2.0
public import FabricInventory
public import FabricOVSDB

/// Where the inventory reads the host from: the settings `show` and `serve` share, parsed and checked the
/// same way for both.
public struct InventorySettings: Sendable, Hashable {
    /// The Open vSwitch database; `nil` uses `OVS_RUNDIR` or the packaged default.
    public var ovsdb: OVSDBEndpoint?
    /// Seconds an OVSDB request may take.
    public var ovsdbTimeout: Double = 2
    /// Read the links of `/run/netns/NAME` instead of this process's namespace.
    public var netns: String?
    /// Prefix for every host file read (VDSM and Neutron configuration, sysfs).
    public var root: String = ""
    public var neutronOVSAgentConfig: String = NeutronAgentConfig.defaultOVSAgentPath
    public var neutronLinuxbridgeAgentConfig: String = NeutronAgentConfig.defaultLinuxBridgeAgentPath
    public var ovnSSLPrivateKey: String?
    public var ovnSSLCertificate: String?
    public var ovnSSLCACertificate: String?

    public init() {}

    public static let keys = AgentSettings.keys(for: .show)

    /// Applies one textual value of a key in ``keys``.
    public mutating func set(_ key: String, _ value: String, source: String) throws(SettingError) {
        let setting = SettingValue(key: key, text: value, source: source)
        switch key {
        case "ovsdb":
            // Parsed here, whole: a value the client cannot use (a path too long for a socket address) must stop
            // with the key's name, not leave the default socket in use.
            do { ovsdb = try OVSDBEndpoint(parsing: value) } catch { throw setting.fail(error.description) }
        case "ovsdb-timeout": ovsdbTimeout = try setting.seconds(minimum: 0.05, maximum: 60)
        case "netns":
            guard !value.isEmpty, !value.contains("/") else { throw setting.fail("'\(value)' is not a namespace name") }
            netns = value
        case "root":
            guard value.isEmpty || value.hasPrefix("/") else { throw setting.fail("'\(value)' is not an absolute path") }
            root = value
        case "neutron-ovs-agent-config": neutronOVSAgentConfig = try setting.path()
        case "neutron-linuxbridge-agent-config": neutronLinuxbridgeAgentConfig = try setting.path()
        case "ovn-ssl-private-key": ovnSSLPrivateKey = try setting.path()
        case "ovn-ssl-certificate": ovnSSLCertificate = try setting.path()
        case "ovn-ssl-ca-cert": ovnSSLCACertificate = try setting.path()
        default: throw setting.fail("unknown key")
        }
    }

    /// The files for an `ssl:` southbound remote when all three `ovn-ssl-*` settings are given; `nil` (the switch's
    /// `SSL` row) when none is.
    /// - Throws: when only some are given: a key without its certificate is a mistake to name, not to guess around.
    public func ovnTLSFiles() throws(SettingError) -> TLSFiles? {
        let given = [ovnSSLPrivateKey, ovnSSLCertificate, ovnSSLCACertificate]
        if given.allSatisfy({ $0 == nil }) { return nil }
        guard let key = ovnSSLPrivateKey, let certificate = ovnSSLCertificate, let ca = ovnSSLCACertificate else {
            throw SettingValue(key: "ovn-ssl-private-key", text: ovnSSLPrivateKey ?? "", source: "settings")
                .fail("ovn-ssl-private-key, ovn-ssl-certificate and ovn-ssl-ca-cert go together: set all three or none")
        }
        return TLSFiles(privateKey: key, certificate: certificate, caCertificate: ca)
    }

    /// The database the inventory asks.
    public var endpoint: OVSDBEndpoint { ovsdb ?? .fromEnvironment() }

    /// What finds the provider's daemons: ovs-vswitchd beside the database socket `ovsdb`.
    public func agentsProbe(ovsdb: OVSDBEndpoint) -> ProviderAgentsProbe {
        let directory = ovsdb.socketPath.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        return ProviderAgentsProbe(
            files: HostFiles(root: root), ovsRunDirectory: directory.isEmpty ? "/" : directory,
            ovsAgentConfigPath: neutronOVSAgentConfig, linuxBridgeAgentConfigPath: neutronLinuxbridgeAgentConfig,
            controlTimeout: .milliseconds(Int(ovsdbTimeout * 1000)))
    }

    public var tableBuilder: HostTableBuilder {
        HostTableBuilder(
            files: HostFiles(root: root), ovsAgentConfigPath: neutronOVSAgentConfig,
            linuxBridgeAgentConfigPath: neutronLinuxbridgeAgentConfig)
    }
}
