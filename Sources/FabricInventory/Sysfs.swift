// SPDX-License-Identifier: Apache-2.0

/// The few facts netlink (libnl 3.7) does not give: plain-NIC detection, link speed, bonding details
/// and bond slaves' permanent MACs. Every read is per link and costs more than the whole dump at
/// scale, so callers ask only for the links that need it.
public struct Sysfs: Sendable {
    public var files: HostFiles

    public init(files: HostFiles = HostFiles()) {
        self.files = files
    }

    /// A link with no `IFLA_INFO_KIND` is a plain NIC (or VF) iff it has a backing device.
    public func hasDevice(_ link: String) -> Bool {
        files.exists("/sys/class/net/\(link)/device")
    }

    /// The link's speed in Mbps from sysfs, validated; `nil` when unknown.
    public func speed(_ link: String) -> Int? {
        files.read("/sys/class/net/\(link)/speed", retryEmpty: true).flatMap(LinkSpeed.parse(sysfsText:))
    }

    /// A bond's mode, slaves, active slave and options from `/sys/class/net/<bond>/bonding/`.
    public func bonding(_ bond: String) -> BondDetails? {
        let dir = "/sys/class/net/\(bond)/bonding"
        guard let entries = files.list(dir) else { return nil }
        func value(_ name: String) -> String? {
            files.read("\(dir)/\(name)", retryEmpty: true)?.trimmingWhitespace()
        }
        let mode = value("mode").flatMap(BondDetails.numericMode(sysfsValue:))
        let slaves = (value("slaves") ?? "").split(separator: " ").map(String.init)
        let active = value("active_slave").flatMap { $0.isEmpty ? nil : $0 }
        var options: [String: String] = [:]
        for name in entries where !BondDetails.nonOptionFiles.contains(name) {
            guard let raw = value(name), !raw.isEmpty else { continue }
            options[name] = BondDetails.optionValue(name: name, sysfsValue: raw)
        }
        return BondDetails(mode: mode, slaves: slaves, activeSlave: active, options: options)
    }

    /// Each slave's permanent MAC from `/proc/net/bonding/<bond>` ("Slave Interface:", "Permanent HW addr:").
    public func permanentMACs(bond: String) -> [String: String] {
        guard let text = files.read("/proc/net/bonding/\(bond)") else { return [:] }
        return BondDetails.permanentMACs(procText: text)
    }
}

/// A bond as sysfs describes it.
public struct BondDetails: Sendable, Hashable, Codable {
    /// Numeric mode 0…6 (`balance-rr 0` → 0).
    public var mode: Int?
    public var slaves: [String]
    public var activeSlave: String?
    /// Every other bonding attribute, VDSM style: the last word of the value (`fast 1` → `1`),
    /// `arp_ip_target` joined with commas.
    public var options: [String: String]

    public init(mode: Int?, slaves: [String], activeSlave: String?, options: [String: String] = [:]) {
        self.mode = mode
        self.slaves = slaves
        self.activeSlave = activeSlave
        self.options = options
    }

    /// Files under `bonding/` that are state, not options (VDSM skips the same ones).
    static let nonOptionFiles: Set<String> = [
        "slaves", "active_slave", "mii_status", "queue_id", "ad_aggregator", "ad_num_ports",
        "ad_actor_key", "ad_partner_key", "ad_partner_mac", "ad_actor_system", "mode",
    ]

    static func numericMode(sysfsValue: String) -> Int? {
        sysfsValue.split(separator: " ").last.flatMap { Int($0) }
    }

    static func optionValue(name: String, sysfsValue: String) -> String {
        let words = sysfsValue.split(separator: " ")
        if name == "arp_ip_target" { return words.joined(separator: ",") }
        return words.last.map(String.init) ?? ""
    }

    static func permanentMACs(procText: String) -> [String: String] {
        var result: [String: String] = [:]
        var slave: String?
        for line in procText.split(separator: "\n") {
            if let value = line.value(after: "Slave Interface:") {
                slave = value
            } else if let value = line.value(after: "Permanent HW addr:"), let name = slave {
                result[name] = value.lowercased()
            }
        }
        return result
    }
}

extension Substring {
    fileprivate func value(after prefix: String) -> String? {
        guard hasPrefix(prefix) else { return nil }
        return String(dropFirst(prefix.count)).trimmingWhitespace()
    }
}
