// SPDX-License-Identifier: Apache-2.0
@testable import FabricInventory
import FabricNetlink
import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// The model re-reads only what may have changed: the sysfs files of links whose netlink view changed, and the
/// configuration files when they changed on disk. A scratch host tree lets the tests change a file behind the
/// model's back and see whether it was read again.
@Suite struct HostTableModelTests {
    static let up: UInt32 = 0x1 | 0x40

    /// A fake `/` with two NICs' sysfs speed and device entries, and VDSM's running netconf.
    final class ScratchHost {
        let root: String

        init() throws {
            root = NSTemporaryDirectory() + "fabric-model-\(UUID().uuidString)"
            for nic in ["eth0", "eth1"] {
                try FileManager.default.createDirectory(
                    atPath: "\(root)/sys/class/net/\(nic)/device", withIntermediateDirectories: true)
                try write("1000\n", to: "/sys/class/net/\(nic)/speed")
            }
            try FileManager.default.createDirectory(
                atPath: "\(root)\(VDSMNetworkConfig.runningTree)/nets", withIntermediateDirectories: true)
            try write(#"{"nic": "eth0", "vlan": 100, "bridged": true}"#, to: "\(VDSMNetworkConfig.runningTree)/nets/red")
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func write(_ text: String, to path: String) throws {
            try text.write(toFile: root + path, atomically: false, encoding: .utf8)
        }

        var builder: HostTableBuilder { HostTableBuilder(files: HostFiles(root: root)) }
    }

    static func sample(_ links: [Link], second: UInt64) -> HostTableBuilder.Sample {
        HostTableBuilder.Sample(
            snapshot: NetlinkSnapshot(links: links, addresses: []), monotonicTime: second * 1_000_000_000,
            wallTime: Double(second))
    }

    static func nics(eth1Flags: UInt32 = up, eth1Bytes: UInt64 = 0) -> [Link] {
        [
            Link(index: 2, name: "eth0", flags: up, operState: .up),
            Link(index: 3, name: "eth1", flags: eth1Flags, operState: eth1Flags == up ? .up : .down,
                 statistics: LinkStatistics(rxBytes: eth1Bytes)),
        ]
    }

    static func speeds(_ table: HostTable?) -> [String: Int?] {
        Dictionary(uniqueKeysWithValues: (table?.interfaces ?? []).map { ($0.name, $0.speedMbps) })
    }

    @Test func aLinkEventReReadsOnlyThatLinksSysfsFiles() throws {
        let host = try ScratchHost()
        var model = HostTableModel(builder: host.builder, ovsdbEndpoint: "unix:/nonexistent.sock")
        let firstResult = model.linksChanged(Self.sample(Self.nics(), second: 1))
        let first = try #require(firstResult)
        #expect(Self.speeds(first) == ["eth0": 1000, "eth1": 1000])

        // Both speeds change on disk; only eth1's netlink view changes (it went down and up again).
        try host.write("10000\n", to: "/sys/class/net/eth0/speed")
        try host.write("25000\n", to: "/sys/class/net/eth1/speed")
        _ = model.linksChanged(Self.sample(Self.nics(eth1Flags: 0x1), second: 2))
        let secondResult = model.linksChanged(Self.sample(Self.nics(), second: 3))
        let second = try #require(secondResult)
        #expect(Self.speeds(second) == ["eth0": 1000, "eth1": 25000], "eth0 kept the speed read before")

        // A reload forgets everything read.
        try host.write("40000\n", to: "/sys/class/net/eth1/speed")
        let reloadedResult = model.reconfigure(builder: host.builder)
        let reloaded = try #require(reloadedResult)
        #expect(Self.speeds(reloaded) == ["eth0": 10000, "eth1": 40000])
    }

    @Test func theSysfsFactsOfLinksThatAreGoneAreForgotten() throws {
        let host = try ScratchHost()
        let builder = host.builder
        let ovsdb = HostTable.OVSDBStatus(endpoint: "unix:/nonexistent.sock", reachable: false)
        var readings = HostTableBuilder.Readings()
        _ = builder.table(sample: Self.sample(Self.nics(), second: 1), switchState: nil, ovsdb: ovsdb, readings: &readings)
        #expect(readings.sysfs.speeds.keys.sorted() == [2, 3])
        // Thousands of links come and go on a busy host: what was read for them must not pile up.
        _ = builder.table(sample: Self.sample([Self.nics()[0]], second: 2), switchState: nil, ovsdb: ovsdb, readings: &readings)
        #expect(readings.sysfs.speeds.keys.sorted() == [2])
        #expect(readings.sysfs.devices.keys.allSatisfy { $0 == 2 })
        // eth1 back under its old ifindex is a new link: read again, not taken from before.
        try host.write("25000\n", to: "/sys/class/net/eth1/speed")
        let back = builder.table(sample: Self.sample(Self.nics(), second: 3), switchState: nil, ovsdb: ovsdb, readings: &readings)
        #expect(Self.speeds(back) == ["eth0": 1000, "eth1": 25000])
    }

    @Test func configurationFilesAreReadAgainWhenTheyChangeOnDisk() throws {
        let host = try ScratchHost()
        var model = HostTableModel(builder: host.builder, ovsdbEndpoint: "unix:/nonexistent.sock")
        let firstResult = model.linksChanged(Self.sample(Self.nics(), second: 1))
        let first = try #require(firstResult)
        #expect(first.interfaces.first { $0.name == "eth0" }?.classification.networkName == "red")

        // Rewritten in place, the same size: the stamp's times move (and the file is recent, so it is read).
        try host.write(#"{"nic": "eth1", "vlan": 100, "bridged": true}"#, to: "\(VDSMNetworkConfig.runningTree)/nets/red")
        let movedResult = model.switchChanged(nil, status: .init(endpoint: "unix:/x", reachable: false, error: "down"))
        let moved = try #require(movedResult)
        #expect(moved.interfaces.first { $0.name == "eth1" }?.classification.networkName == "red")
        #expect(moved.interfaces.first { $0.name == "eth0" }?.classification.networkName == nil)

        // A change only the networks show (the MTU is in no row) is a new version too.
        try host.write(#"{"nic": "eth1", "vlan": 100, "bridged": true, "mtu": 9000}"#, to: "\(VDSMNetworkConfig.runningTree)/nets/red")
        let mtuResult = model.switchChanged(nil, status: .init(endpoint: "unix:/x", reachable: false, error: "down"))
        #expect(mtuResult != nil)
        #expect(model.networks?.network(named: "red")?.vdsm?.mtu == 9000)

        // A new file in the folder.
        try host.write(#"{"nic": "eth0", "bridged": false}"#, to: "\(VDSMNetworkConfig.runningTree)/nets/blue")
        let addedResult = model.linksChanged(Self.sample(Self.nics(eth1Flags: 0x1), second: 2))
        let added = try #require(addedResult)
        #expect(added.interfaces.first { $0.name == "eth0" }?.classification.networkName == "blue")
    }

    @Test func countersRefreshRowsWithoutARebuildAndStaleCountersNeverWin() throws {
        let host = try ScratchHost()
        var model = HostTableModel(builder: host.builder, ovsdbEndpoint: "unix:/nonexistent.sock")
        var empty = HostTableModel(builder: host.builder, ovsdbEndpoint: "unix:/nonexistent.sock")
        let beforeSnapshot = empty.countersSampled(.init(counters: [2: LinkStatistics(rxBytes: 5)], monotonicTime: 1, wallTime: 1))
        #expect(beforeSnapshot == nil, "no table before the first snapshot")
        _ = model.linksChanged(Self.sample(Self.nics(), second: 1))
        let sampledResult = model.countersSampled(.init(counters: [3: LinkStatistics(rxBytes: 500)], monotonicTime: 2_000_000_000, wallTime: 2))
        let sampled = try #require(sampledResult)
        #expect(sampled.interfaces.first { $0.name == "eth1" }?.statistics.rxBytes == 500)
        #expect(sampled.sampledAt == 2)
        // The watcher's copy of eth1 still carries older counters; newer counters alone are no change of a link.
        let stale = model.linksChanged(Self.sample(Self.nics(eth1Bytes: 7), second: 3))
        #expect(stale == nil)
        #expect(model.table?.interfaces.first { $0.name == "eth1" }?.statistics.rxBytes == 500)
    }

    /// A daemon's health changes the networks alone: the same table comes back (the updater keeps its version),
    /// and the next counter sample is a table change again.
    @Test func aDaemonsHealthChangesOnlyTheNetworks() throws {
        let host = try ScratchHost()
        var model = HostTableModel(builder: host.builder, ovsdbEndpoint: "unix:/nonexistent.sock")
        let firstResult = model.linksChanged(Self.sample(Self.nics(), second: 1))
        let first = try #require(firstResult)
        #expect(!model.onlyNetworksChanged)

        let stoppedResult = model.agentsChanged([ProviderAgent(name: .neutronOpenVSwitchAgent, running: false)])
        let stopped = try #require(stoppedResult)
        #expect(model.onlyNetworksChanged)
        #expect(stopped == first, "the same table, sampledAt included")
        #expect(model.networks?.agents.map(\.running) == [false])
        #expect(model.agentsChanged([ProviderAgent(name: .neutronOpenVSwitchAgent, running: false)]) == nil, "no change")

        let sampledResult = model.countersSampled(.init(counters: [2: LinkStatistics(rxBytes: 9)], monotonicTime: 2_000_000_000, wallTime: 2))
        #expect(sampledResult != nil)
        #expect(!model.onlyNetworksChanged)
    }
}

/// A link event builds only the rows of the links it can change; the table must still be exactly the one a build
/// of every row makes, and the difference it reports exactly the one a comparison of every row finds.
@Suite struct HostTableModelIncrementalTests {
    /// A random namespace that changes a little at each step: veth pairs, bridges (some `brq…`, which the Linux
    /// bridge agent rule classifies by their ports), bonds, VLANs and vxlan devices on other links, ports joining
    /// and leaving masters, renames, MTU and flag changes, addresses, deletions that leave references dangling,
    /// and names re-created under new ifindexes.
    struct Namespace {
        var links: [Int32: Link] = [1: Link(index: 1, name: "lo", flags: 0x9)]
        var addresses: [InterfaceAddress] = []
        var nextIndex: Int32 = 2
        var nextName = 0

        var snapshot: NetlinkSnapshot {
            NetlinkSnapshot(links: links.values.sorted { $0.index < $1.index }, addresses: addresses)
        }

        mutating func name(_ prefix: String) -> String {
            nextName += 1
            return "\(prefix)\(nextName)"
        }

        mutating func add(_ link: Link) { links[link.index] = link }

        mutating func newIndex() -> Int32 {
            defer { nextIndex += 1 }
            return nextIndex
        }

        mutating func randomStep(using generator: inout SeededGenerator) {
            let existing = links.keys.filter { $0 != 1 }.sorted()
            let some = existing.randomElement(using: &generator)
            let masters = existing.filter { [LinkKind.bridge, .bond].contains(links[$0]?.kind) }
            switch Int.random(in: 0..<12, using: &generator) {
            case 0:
                let a = newIndex(), b = newIndex()
                add(Link(index: a, name: name("veth"), kind: .veth, mtu: 1500, parentIndex: b))
                add(Link(index: b, name: name("peer"), kind: .veth, mtu: 1500, parentIndex: a))
            case 1:
                add(Link(index: newIndex(), name: Bool.random(using: &generator) ? name("brq0000000") : name("br"), kind: .bridge))
            case 2: add(Link(index: newIndex(), name: name("bond"), kind: .bond, flags: 0x41, operState: .up))
            case 3:
                guard let parent = some else { return }
                add(Link(index: newIndex(), name: name("vlan"), kind: .vlan, parentIndex: parent, vlanID: 100))
            case 4:
                guard let lower = some else { return }
                add(Link(index: newIndex(), name: name("vxlan-"), kind: .vxlan,
                         vxlan: VXLANInfo(vni: 42, lowerIndex: lower)))
            case 5:  // joins or leaves a master
                guard let port = some, var link = links[port] else { return }
                if let master = masters.filter({ $0 != port }).randomElement(using: &generator), Bool.random(using: &generator) {
                    link.masterIndex = master
                    link.slaveKind = links[master]?.kind
                } else {
                    link.masterIndex = nil
                    link.slaveKind = nil
                }
                add(link)
            case 6:
                guard let index = some else { return }
                let renamed = name("renamed")
                links[index]?.name = renamed
            case 7:
                guard let index = some else { return }
                links[index]?.mtu += 1
            case 8:
                guard let index = some else { return }
                links[index]?.flags ^= 0x41
            case 9:
                guard let index = some else { return }
                addresses.append(InterfaceAddress(
                    linkIndex: index, family: .ipv4, address: "10.0.\(index % 250).\(nextName % 250)", prefixLength: 24))
                nextName += 1
            case 10:
                guard let index = some else { return }
                links[index] = nil
                addresses.removeAll { $0.linkIndex == index }
            default:  // the same name under a new ifindex, as after `ip link del` and `add`
                guard let index = some, var link = links.removeValue(forKey: index) else { return }
                addresses.removeAll { $0.linkIndex == index }
                link.index = newIndex()
                add(link)
            }
        }
    }

    @Test func linkEventsBuildTheSameTableAsABuildOfEveryRow() throws {
        // No configuration files: files written now would be read again at every build for two seconds (they
        // could change again within the file system's timestamp granularity), and every row rebuilt with them.
        let root = NSTemporaryDirectory() + "fabric-incremental-\(UUID().uuidString)"
        let builder = HostTableBuilder(files: HostFiles(root: root))
        let ovsdb = HostTable.OVSDBStatus(endpoint: "unix:/nonexistent.sock", reachable: false, error: "not connected yet")
        var generator = SeededGenerator(seed: 0xF4B1C)
        var namespace = Namespace()
        for _ in 0..<30 { namespace.randomStep(using: &generator) }
        var model = HostTableModel(builder: builder, ovsdbEndpoint: "unix:/nonexistent.sock")
        _ = model.linksChanged(HostTableBuilder.Sample(snapshot: namespace.snapshot, monotonicTime: 1, wallTime: 1))
        var partial = 0
        for step in 0..<400 {
            let before = try #require(model.table)
            for _ in 0..<Int.random(in: 1...3, using: &generator) { namespace.randomStep(using: &generator) }
            let sample = HostTableBuilder.Sample(
                snapshot: namespace.snapshot, monotonicTime: UInt64(step + 2), wallTime: Double(step + 2))
            let result = model.linksChanged(sample)
            let everyRow = builder.table(sample: sample, switchState: nil, ovsdb: ovsdb)
            #expect(model.table?.interfaces == everyRow.interfaces, "step \(step)")
            guard result != nil else { continue }
            let changes = try #require(model.rowChanges, "step \(step): a link event knows its changes")
            #expect(changes == RowDifference(from: before.interfaces, to: everyRow.interfaces), "step \(step)")
            partial += 1
        }
        // Most steps changed the table, each through the rows it could change.
        #expect(partial > 300)
        #expect(namespace.links.count > 150)
    }
}
