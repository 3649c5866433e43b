// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink
import FabricOVSDB

/// Turns one netlink snapshot (one link dump, one address dump), the OVS database's view and the
/// agents' configuration into the host interface table's rows.
///
/// sysfs is read only where netlink has no answer: the device check for links without a kind, the
/// speed of oper-up NICs, and the bonding folder and `/proc/net/bonding` of bonds.
public struct InventoryBuilder: Sendable {
    public var sysfs: Sysfs
    public var classifier: Classifier

    public init(sysfs: Sysfs = Sysfs(), classifier: Classifier) {
        self.sysfs = sysfs
        self.classifier = classifier
    }

    public func rows(from snapshot: NetlinkSnapshot) -> [HostInterface] {
        var readings = SysfsReadings()
        return rows(from: snapshot, changedLinks: nil, readings: &readings)
    }

    /// The rows, reading sysfs only for the links in `changedLinks` (every link when it is `nil`) and for
    /// links `readings` knows nothing about; the other links' sysfs facts come from `readings`, which is
    /// left holding this build's.
    public func rows(
        from snapshot: NetlinkSnapshot, changedLinks: Set<Int32>?, readings: inout SysfsReadings
    ) -> [HostInterface] {
        var reader = SysfsReader(sysfs: sysfs, previous: readings, changedLinks: changedLinks)
        readings = SysfsReadings()  // the reader's copy is then the only one, updated without copying
        defer { readings = reader.current }
        // A dump comes in ifindex order: sorting it again would copy every link.
        let links = snapshot.links.isInIndexOrder ? snapshot.links : snapshot.links.sorted { $0.index < $1.index }
        var nameByIndex: [Int32: String] = [:]
        nameByIndex.reserveCapacity(links.count)
        for link in links where nameByIndex[link.index] == nil { nameByIndex[link.index] = link.name }
        let addressesByLink = Dictionary(grouping: snapshot.addresses, by: \.linkIndex)

        var rows: [HostInterface] = []
        rows.reserveCapacity(links.count)
        var portsByMaster: [String: [String]] = [:]
        for link in links {
            let kind = InterfaceKind.classify(
                kernelKind: link.kind, name: link.name, tunMode: link.tunMode,
                isLoopbackFlag: link.flags & 0x8 != 0, hasDevice: { reader.hasDevice(link) })
            let master = link.masterIndex.flatMap { nameByIndex[$0] }
            if let master { portsByMaster[master, default: []].append(link.name) }
            let addresses = (addressesByLink[link.index] ?? []).map {
                HostInterface.Address(family: $0.family, cidr: $0.cidr, scope: Self.scopeName($0.scope), secondary: $0.isSecondary)
            }
            var row = HostInterface(
                name: link.name, index: link.index,
                kind: kind == .tap && classifier.isOVSInternal(link.name) ? .ovsInternal : kind,
                kernelKind: link.kind?.rawValue, mac: link.mac, mtu: link.mtu, operState: link.operState, isUp: link.isUp,
                addresses: addresses, primaryAddress: Self.primaryAddress(addressesByLink[link.index] ?? []),
                master: master, slaveKind: link.slaveKind?.rawValue, vlanID: link.vlanID.map(Int.init),
                statistics: link.statistics)
            // IFLA_LINK is the lower device for VLAN/macvlan/vxlan, but the peer for veth.
            let linked = link.parentIndex.flatMap { nameByIndex[$0] }
            if kind == .veth { row.peer = linked } else if linked != row.name { row.parent = linked }
            if let vxlan = link.vxlan {
                row.vxlan = HostInterface.VXLAN(vxlan, lowerDevice: vxlan.lowerIndex.flatMap { nameByIndex[$0] })
                // vxlan keeps its lower device in IFLA_VXLAN_LINK, not IFLA_LINK.
                row.parent = row.parent ?? row.vxlan?.device
            }
            row.ovs = classifier.ovsMembership(of: link.name)
            // Bond slaves are NICs in production but may be any Ethernet device (veth in tests); their
            // speed is needed for the bond's.
            if link.isUp && (kind == .nic || link.slaveKind == "bond") { row.speedMbps = reader.speed(link) }
            rows.append(row)
        }

        var rowIndexByName: [String: Int] = [:]
        rowIndexByName.reserveCapacity(rows.count)
        for (position, row) in rows.enumerated() where rowIndexByName[row.name] == nil { rowIndexByName[row.name] = position }
        fillBonds(&rows, reader: reader)
        for i in rows.indices {
            if rows[i].kind == .bridge { rows[i].bridgePorts = portsByMaster[rows[i].name] ?? [] }
            if rows[i].kind == .vlan, let parent = rows[i].parent, let p = rowIndexByName[parent] {
                rows[i].speedMbps = rows[i].isUp ? rows[p].speedMbps : nil
            }
        }

        let facts = rows.map {
            Classifier.LinkFacts(name: $0.name, kind: $0.kind, master: $0.master, parent: $0.parent)
        }
        for (i, classification) in classifier.classify(facts).enumerated() {
            rows[i].classification = classification
        }
        return rows
    }

    /// Bond column, bonding details, slaves' permanent MACs and bond speed by mode.
    private func fillBonds(_ rows: inout [HostInterface], reader: SysfsReader) {
        for i in rows.indices where rows[i].kind == .bond {
            let bond = rows[i].name
            rows[i].bond = bond
            let slaves = rows.indices.filter { rows[$0].master == bond && rows[$0].slaveKind == "bond" }
            let (details, permanent) = reader.bond(name: bond)
            rows[i].bonding = details
            for s in slaves {
                rows[s].bond = bond
                rows[s].permanentMAC = permanent[rows[s].name]
            }
            if rows[i].isUp {
                let speeds = slaves.map { (name: rows[$0].name, speed: rows[$0].speedMbps) }
                rows[i].speedMbps = LinkSpeed.bond(mode: details?.mode, slaveSpeeds: speeds, activeSlave: details?.activeSlave)
            }
        }
    }

    /// The Address column: the first primary, non-link-scope IPv4 address, else the first global IPv6
    /// one. (VDSM prefers the address in the default gateway's subnet; that needs a route dump, which
    /// the one-link-dump, one-address-dump budget leaves out.)
    static func primaryAddress(_ addresses: [InterfaceAddress]) -> String? {
        let usable = addresses.filter { !$0.isLinkScope && $0.scope != 254 }
        if let v4 = usable.first(where: { $0.family == .ipv4 && !$0.isSecondary }) ?? usable.first(where: { $0.family == .ipv4 }) {
            return v4.cidr
        }
        return usable.first { $0.family == .ipv6 }?.cidr
    }

    static func scopeName(_ scope: UInt8) -> String {
        switch scope {
        case 0: "global"
        case 200: "site"
        case 253: "link"
        case 254: "host"
        default: String(scope)
        }
    }
}

extension [Link] {
    /// Whether the links are in ifindex order, as a dump and the watcher's copy are; checked without copying a link.
    var isInIndexOrder: Bool {
        withUnsafeBufferPointer { links in
            links.indices.dropFirst().allSatisfy { links[$0 - 1].index < links[$0].index }
        }
    }
}

/// The sysfs facts of the last build, per ifindex, so that a link event re-reads only its own link's files.
/// A fact is kept under the link's name: a renamed link is read again.
public struct SysfsReadings: Sendable {
    /// One fact read for a link, under the name it had then.
    struct Fact<Value: Sendable>: Sendable {
        var name: String
        var value: Value
    }

    var devices: [Int32: Fact<Bool>] = [:]
    var speeds: [Int32: Fact<Int?>] = [:]

    public init() {}

    /// Forgets the links that are gone.
    mutating func forget(_ gone: [Int32]) {
        for index in gone {
            devices[index] = nil
            speeds[index] = nil
        }
    }
}

/// One build's sysfs access: the previous build's fact for a link that did not change, a read otherwise.
/// What it reads or reuses becomes the next build's ``SysfsReadings``: the previous ones updated in place (a
/// link event changes one or two of thousands), or, for a build of every link, only this build's.
/// ``HostTableBuilder/Readings`` drops the links that are gone.
struct SysfsReader {
    let sysfs: Sysfs
    let changedLinks: Set<Int32>?
    var current: SysfsReadings

    init(sysfs: Sysfs, previous: SysfsReadings, changedLinks: Set<Int32>?) {
        self.sysfs = sysfs
        self.changedLinks = changedLinks
        current = changedLinks == nil ? SysfsReadings() : previous
    }

    mutating func hasDevice(_ link: Link) -> Bool {
        let sysfs = sysfs
        return fact(\.devices, of: link) { sysfs.hasDevice(link.name) }
    }

    mutating func speed(_ link: Link) -> Int? {
        let sysfs = sysfs
        return fact(\.speeds, of: link) { sysfs.speed(link.name) }
    }

    /// The fact the previous build read for `link` when the link did not change since, else `read()`.
    private mutating func fact<Value>(
        _ facts: WritableKeyPath<SysfsReadings, [Int32: SysfsReadings.Fact<Value>]>, of link: Link, read: () -> Value
    ) -> Value {
        let unchanged = changedLinks.map { !$0.contains(link.index) } ?? false
        if unchanged, let known = current[keyPath: facts][link.index], known.name == link.name {
            return known.value
        }
        let value = read()
        current[keyPath: facts][link.index] = SysfsReadings.Fact(name: link.name, value: value)
        return value
    }

    /// Bonds are read on every build: an option written through sysfs (`miimon`, `primary`) changes nothing
    /// a link message carries, and a host has a handful of bonds.
    func bond(name: String) -> (BondDetails?, [String: String]) {
        (sysfs.bonding(name), sysfs.permanentMACs(bond: name))
    }
}
