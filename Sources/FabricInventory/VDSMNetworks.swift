// SPDX-License-Identifier: Apache-2.0
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
                    let file = try decode(NetworkFile.self, path: path, files: files)
                    config.networks.append(file.network(named: name))
                } catch {
                    config.warnings.append("\(path): \(error)")
                }
            }
            for name in files.list("\(tree)/bonds") ?? [] where !name.hasPrefix(".") {
                let path = "\(tree)/bonds/\(name)"
                do {
                    let file = try decode(BondFile.self, path: path, files: files)
                    config.bonds.append(VDSMBond(name: name, nics: file.nics ?? [], options: file.options))
                } catch {
                    config.warnings.append("\(path): \(error)")
                }
            }
            return config
        }
        return VDSMNetworkConfig()
    }

    private static func decode<T: Decodable>(_ type: T.Type, path: String, files: HostFiles) throws -> T {
        guard let text = files.read(path) else { throw ConfigFileError("cannot be read") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw ConfigFileError("is not VDSM network JSON")
        }
    }

    private struct NetworkFile: Decodable {
        var nic: String?
        var bonding: String?
        var vlan: FlexibleInt?
        var bridged: FlexibleBool?
        var `switch`: String?

        func network(named name: String) -> VDSMNetwork {
            VDSMNetwork(
                name: name, nic: nic.flatMap { $0.isEmpty ? nil : $0 },
                bonding: bonding.flatMap { $0.isEmpty ? nil : $0 }, vlan: vlan?.value,
                bridged: bridged?.value ?? true, switchType: self.switch ?? "legacy"
            )
        }
    }

    private struct BondFile: Decodable {
        var nics: [String]?
        var options: String?
    }
}

struct ConfigFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// VDSM writes numbers and booleans as JSON values, but older versions and hand-edited files use strings.
private struct FlexibleInt: Decodable {
    var value: Int
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            value = number
        } else if let text = try? container.decode(String.self), let number = Int(text) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an integer")
        }
    }
}

private struct FlexibleBool: Decodable {
    var value: Bool
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            value = flag
        } else if let text = try? container.decode(String.self) {
            value = ["true", "yes", "1", "on"].contains(text.lowercased())
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a boolean")
        }
    }
}
