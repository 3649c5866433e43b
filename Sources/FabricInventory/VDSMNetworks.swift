// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON
internal import FabricOVSDB

/// One network VDSM manages, from its netconf JSON (`nets/<name>`), reduced to what says which host
/// devices carry it.
public struct VDSMNetwork: Sendable, Hashable, Codable {
    public var name: String
    /// The NIC under the network (`nic`), when it is not on a bond.
    public var nic: String?
    /// The bond under the network (`bonding`).
    public var bonding: String?
    /// The VLAN id: the southbound device is then `<nic-or-bond>.<vlan>`.
    public var vlan: Int?
    /// A Linux bridge named after the network sits on top.
    public var bridged: Bool
    /// `legacy` or `ovs`.
    public var switchType: String

    public init(name: String, nic: String? = nil, bonding: String? = nil, vlan: Int? = nil, bridged: Bool = true,
                switchType: String = "legacy") {
        self.name = name
        self.nic = nic
        self.bonding = bonding
        self.vlan = vlan
        self.bridged = bridged
        self.switchType = switchType
    }

    /// The NIC or bond the network sits on.
    public var baseDevice: String? { bonding ?? nic }

    /// The device right under the bridge (or the network's own device when bridgeless).
    public var southbound: String? {
        guard let base = baseDevice else { return nil }
        return vlan.map { "\(base).\($0)" } ?? base
    }

    /// Every kernel device that carries this network, top to bottom: its bridge, the VLAN, the bond or NIC.
    public var devices: [String] {
        var names: [String] = []
        if bridged { names.append(name) }
        if let southbound { names.append(southbound) }
        if vlan != nil, let base = baseDevice { names.append(base) }
        return names
    }
}

/// A bond VDSM manages (`bonds/<name>`): its slaves.
public struct VDSMBond: Sendable, Hashable, Codable {
    public var name: String
    public var nics: [String]
    public var options: String?

    public init(name: String, nics: [String], options: String? = nil) {
        self.name = name
        self.nics = nics
        self.options = options
    }
}

/// VDSM's network configuration as it is on disk: the running tree (`staging/netconf`) when present,
/// else the persisted one (`persistence/netconf`).
public struct VDSMNetworkConfig: Sendable, Hashable, Codable {
    public var networks: [VDSMNetwork]
    public var bonds: [VDSMBond]
    /// Which tree the configuration came from, `nil` when VDSM has none on this host.
    public var source: String?
    /// Files that could not be used, with the reason; the table is still built.
    public var warnings: [String]

    public init(networks: [VDSMNetwork] = [], bonds: [VDSMBond] = [], source: String? = nil, warnings: [String] = []) {
        self.networks = networks
        self.bonds = bonds
        self.source = source
        self.warnings = warnings
    }

    public static let runningTree = "/var/lib/vdsm/staging/netconf"
    public static let persistedTree = "/var/lib/vdsm/persistence/netconf"

    /// Reads the first tree that has a `nets` folder; a missing tree, an unreadable file or unknown keys
    /// never fail: they become warnings.
    public static func load(files: HostFiles, trees: [String] = [runningTree, persistedTree]) -> VDSMNetworkConfig {
        for tree in trees {
            guard let netNames = files.list("\(tree)/nets") else { continue }
            var config = VDSMNetworkConfig(source: tree)
            for name in netNames where !name.hasPrefix(".") {
                let path = "\(tree)/nets/\(name)"
                do {
                    let file = try NetconfFile(path: path, files: files)
                    config.networks.append(
                        VDSMNetwork(
                            name: name, nic: try file.string("nic"), bonding: try file.string("bonding"),
                            vlan: try file.flexibleInteger("vlan"), bridged: try file.flexibleBool("bridged") ?? true,
                            switchType: try file.string("switch") ?? "legacy"))
                } catch {
                    config.warnings.append("\(path): \(error)")
                }
            }
            for name in files.list("\(tree)/bonds") ?? [] where !name.hasPrefix(".") {
                let path = "\(tree)/bonds/\(name)"
                do {
                    let file = try NetconfFile(path: path, files: files)
                    config.bonds.append(
                        VDSMBond(name: name, nics: try file.strings("nics") ?? [], options: try file.string("options")))
                } catch {
                    config.warnings.append("\(path): \(error)")
                }
            }
            return config
        }
        return VDSMNetworkConfig()
    }
}

/// One netconf JSON object, read with VDSM's leniency: numbers and booleans may be strings (older versions and
/// hand-edited files), `null` or an absent key means unset, an empty string too for device names. Parsed with
/// fabric's own JSON parser: Foundation's decoders are kept out of `show`'s start-up.
private struct NetconfFile {
    let members: [JSONValue.Member]

    init(path: String, files: HostFiles) throws(ConfigFileError) {
        guard let text = files.read(path) else { throw ConfigFileError("cannot be read") }
        guard case .object(let members)? = try? JSONValue(parsing: Array(text.utf8)) else {
            throw ConfigFileError("is not VDSM network JSON")
        }
        self.members = members
    }

    private func value(_ key: String) -> JSONValue? {
        guard let value = members.last(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    private func mistyped(_ key: String, _ expected: String) -> ConfigFileError {
        ConfigFileError("is not VDSM network JSON (\(key) is not \(expected))")
    }

    /// A string; an empty one counts as unset.
    func string(_ key: String) throws(ConfigFileError) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.stringValue else { throw mistyped(key, "a string") }
        return text.isEmpty ? nil : text
    }

    func strings(_ key: String) throws(ConfigFileError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let items = value.arrayValue?.compactMap(\.stringValue), items.count == value.arrayValue?.count else {
            throw mistyped(key, "a list of strings")
        }
        return items
    }

    func flexibleInteger(_ key: String) throws(ConfigFileError) -> Int? {
        guard let value = value(key) else { return nil }
        if let number = value.integerValue, let int = Int(exactly: number) { return int }
        if let text = value.stringValue, let number = Int(text) { return number }
        throw mistyped(key, "an integer")
    }

    func flexibleBool(_ key: String) throws(ConfigFileError) -> Bool? {
        guard let value = value(key) else { return nil }
        if case .bool(let flag) = value { return flag }
        if let text = value.stringValue { return ["true", "yes", "1", "on"].contains(text.lowercased()) }
        throw mistyped(key, "a boolean")
    }
}

struct ConfigFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
