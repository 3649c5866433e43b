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
    /// The network's MTU (`mtu`), when set.
    public var mtu: Int?
    /// Spanning tree on the network's bridge (`stp`), when set.
    public var stp: Bool?
    public var ipv4: IPv4 = IPv4()
    public var ipv6: IPv6 = IPv6()
    /// The host's default route goes through this network (`defaultRoute`).
    public var defaultRoute: Bool = false
    /// `nameservers`.
    public var nameservers: [String] = []
    /// The outbound host QoS (`hostQos.out`), when set.
    public var hostQoS: HostQoS?

    /// `bootproto`, `ipaddr`, `netmask` or `prefix`, `gateway`.
    public struct IPv4: Sendable, Hashable, Codable {
        /// `none` (static or no address) or `dhcp`; absent when unset.
        public var bootProtocol: String?
        public var address: String?
        public var netmask: String?
        public var prefix: Int?
        public var gateway: String?

        public init(
            bootProtocol: String? = nil, address: String? = nil, netmask: String? = nil, prefix: Int? = nil,
            gateway: String? = nil
        ) {
            self.bootProtocol = bootProtocol
            self.address = address
            self.netmask = netmask
            self.prefix = prefix
            self.gateway = gateway
        }
    }

    /// `ipv6autoconf`, `dhcpv6`, `ipv6addr`, `ipv6gateway`.
    public struct IPv6: Sendable, Hashable, Codable {
        public var autoconf: Bool?
        public var dhcp: Bool?
        /// Static addresses with their prefix length (`fd00::1/64`).
        public var addresses: [String]
        public var gateway: String?

        public init(autoconf: Bool? = nil, dhcp: Bool? = nil, addresses: [String] = [], gateway: String? = nil) {
            self.autoconf = autoconf
            self.dhcp = dhcp
            self.addresses = addresses
            self.gateway = gateway
        }
    }

    /// VDSM's host network QoS for outbound traffic, as it stores it: each curve's `m2` (the engine's
    /// "average" value: a weight for link share, Mbps for the upper limit and real time).
    public struct HostQoS: Sendable, Hashable, Codable {
        public var linkShare: Int?
        public var upperLimit: Int?
        public var realTime: Int?

        public init(linkShare: Int? = nil, upperLimit: Int? = nil, realTime: Int? = nil) {
            self.linkShare = linkShare
            self.upperLimit = upperLimit
            self.realTime = realTime
        }
    }

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
                    config.networks.append(try VDSMNetwork(name: name, file: NetconfFile(path: path, files: files)))
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

extension VDSMNetwork {
    fileprivate init(name: String, file: NetconfFile) throws(ConfigFileError) {
        self.init(
            name: name, nic: try file.string("nic"), bonding: try file.string("bonding"),
            vlan: try file.flexibleInteger("vlan"), bridged: try file.flexibleBool("bridged") ?? true,
            switchType: try file.string("switch") ?? "legacy")
        mtu = try file.flexibleInteger("mtu")
        stp = try file.flexibleBool("stp")
        ipv4 = IPv4(
            bootProtocol: try file.string("bootproto"), address: try file.string("ipaddr"),
            netmask: try file.string("netmask"), prefix: try file.flexibleInteger("prefix"),
            gateway: try file.string("gateway"))
        // `ipv6addr` is one address in VDSM's API; a list is accepted too.
        let ipv6Addresses = try file.string("ipv6addr").map { [$0] } ?? (try? file.strings("ipv6addr")) ?? []
        ipv6 = IPv6(
            autoconf: try file.flexibleBool("ipv6autoconf"), dhcp: try file.flexibleBool("dhcpv6"),
            addresses: ipv6Addresses, gateway: try file.string("ipv6gateway"))
        defaultRoute = try file.flexibleBool("defaultRoute") ?? false
        nameservers = try file.strings("nameservers") ?? []
        hostQoS = try file.hostQoS()
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
        guard let number = Self.flexibleInteger(value) else { throw mistyped(key, "an integer") }
        return number
    }

    /// A number, or a string holding one.
    private static func flexibleInteger(_ value: JSONValue) -> Int? {
        if let number = value.integerValue { return Int(exactly: number) }
        return value.stringValue.flatMap { Int($0) }
    }

    /// `hostQos: {"out": {"ls": {"m2": …}, "ul": {"m2": …}, "rt": {"m2": …}}}`; absent or empty: unset.
    func hostQoS() throws(ConfigFileError) -> VDSMNetwork.HostQoS? {
        guard let value = value("hostQos") else { return nil }
        guard case .object = value else { throw mistyped("hostQos", "an object") }
        func curve(_ name: String) throws(ConfigFileError) -> Int? {
            guard let m2 = value["out"]?[name]?["m2"], !m2.isNull else { return nil }
            guard let number = Self.flexibleInteger(m2) else { throw mistyped("hostQos.out.\(name).m2", "an integer") }
            return number
        }
        let qos = VDSMNetwork.HostQoS(linkShare: try curve("ls"), upperLimit: try curve("ul"), realTime: try curve("rt"))
        return qos == VDSMNetwork.HostQoS() ? nil : qos
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
