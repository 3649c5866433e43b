// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricTestSupport
import Foundation
import Testing

private let namespacesSupported = NetworkNamespaceFixture.isSupported
private let needsRoot: Comment = "needs root and iproute2's ip to create network namespaces"

/// `ip` flag names and their `IFF_*` bits; `ip` never prints `IFF_RUNNING` (it shows `LOWER_UP` instead).
private let interfaceFlagNames: [(String, UInt32)] = [
    ("UP", 0x1), ("BROADCAST", 0x2), ("DEBUG", 0x4), ("LOOPBACK", 0x8), ("POINTOPOINT", 0x10),
    ("NOTRAILERS", 0x20), ("NOARP", 0x80), ("PROMISC", 0x100), ("ALLMULTI", 0x200), ("MASTER", 0x400),
    ("SLAVE", 0x800), ("MULTICAST", 0x1000), ("PORTSEL", 0x2000), ("AUTOMEDIA", 0x4000), ("DYNAMIC", 0x8000),
    ("LOWER_UP", 0x10000), ("DORMANT", 0x20000), ("ECHO", 0x40000),
]

private let scopeNames: [String: UInt8] = ["global": 0, "site": 200, "link": 253, "host": 254]

/// Everything `ip` reports about one link except counters, reduced to comparable values.
private struct IPLinkFacts: Equatable {
    var index: Int32
    var name: String
    var kind: String?
    var slaveKind: String?
    var masterName: String?
    var linkName: String?
    var linkIndex: Int32?
    var linkNetnsID: Int32?
    var mtu: UInt32
    var mac: String?
    var operState: String
    var flags: Set<String>
    var vlanID: UInt16?
    var tunType: String?
}

private func linkFacts(_ object: [String: Any]) throws -> IPLinkFacts {
    let kind = IPJSON.value(object, "linkinfo", "info_kind") as? String
    var flags = Set((object["flags"] as? [String]) ?? [])
    flags.remove("M-DOWN")  // a pseudo flag iproute2 derives from the lower device, not an IFF_ bit
    return IPLinkFacts(
        index: Int32(try #require(IPJSON.int(object["ifindex"]))),
        name: try #require(object["ifname"] as? String),
        kind: kind,
        slaveKind: IPJSON.value(object, "linkinfo", "info_slave_kind") as? String,
        masterName: object["master"] as? String,
        linkName: object["link"] as? String,
        linkIndex: IPJSON.int(object["link_index"]).map(Int32.init),
        linkNetnsID: IPJSON.int(object["link_netnsid"]).map(Int32.init),
        mtu: UInt32(try #require(IPJSON.int(object["mtu"]))),
        mac: object["address"] as? String,
        operState: try #require(object["operstate"] as? String),
        flags: flags,
        // info_data.id is the VLAN id for vlan links but the VNI for vxlan.
        vlanID: kind == "vlan" ? IPJSON.int(IPJSON.value(object, "linkinfo", "info_data", "id")).map(UInt16.init) : nil,
        tunType: kind == "tun" ? IPJSON.value(object, "linkinfo", "info_data", "type") as? String : nil
    )
}

private func counters(_ object: [String: Any]) throws -> [UInt64] {
    let stats = try #require(object["stats64"] as? [String: Any])
    let rx = try #require(stats["rx"] as? [String: Any])
    let tx = try #require(stats["tx"] as? [String: Any])
    return try [
        rx["bytes"], tx["bytes"], rx["packets"], tx["packets"], rx["errors"], tx["errors"], rx["dropped"],
        tx["dropped"],
    ].map { try #require(IPJSON.uint64($0)) }
}

private func counters(_ statistics: LinkStatistics) -> [UInt64] {
    [
        statistics.rxBytes, statistics.txBytes, statistics.rxPackets, statistics.txPackets, statistics.rxErrors,
        statistics.txErrors, statistics.rxDropped, statistics.txDropped,
    ]
}

/// One address as `ip -j addr show` reports it.
private struct IPAddressFacts: Hashable {
    var linkIndex: Int32
    var family: String
    var address: String
    var prefixLength: UInt8
    var scope: UInt8
    var secondary: Bool
    var label: String?
}

private func addressFacts(_ objects: [[String: Any]]) throws -> Set<IPAddressFacts> {
    var result = Set<IPAddressFacts>()
    for link in objects {
        let index = Int32(try #require(IPJSON.int(link["ifindex"])))
        for info in (link["addr_info"] as? [[String: Any]]) ?? [] {
            let family = try #require(info["family"] as? String)
            let scopeName = try #require(info["scope"] as? String)
            result.insert(
                IPAddressFacts(
                    linkIndex: index, family: family, address: try #require(info["local"] as? String),
                    prefixLength: UInt8(try #require(IPJSON.int(info["prefixlen"]))),
                    scope: try #require(scopeNames[scopeName]),
                    // iproute2 prints IFA_F_SECONDARY as "secondary" for IPv4 and "temporary" for IPv6.
                    secondary: (info["secondary"] as? Bool ?? false) || (info["temporary"] as? Bool ?? false),
                    label: info["label"] as? String))
        }
    }
    return result
}

/// The links of the main comparison: every kind this kernel offers in a namespace, some enslaved, some up.
private func populate(_ namespace: NetworkNamespaceFixture, peerNamespace: NetworkNamespaceFixture) throws {
    try namespace.ipBatch([
        "link add veth0 type veth peer name veth1",
        "link add veth2 type veth peer name veth3",
        "link add br0 type bridge",
        "link set veth1 master br0",
        "link set veth3 master br0",
        "link add mv0 link veth0 type macvlan mode bridge",
        "link add vx0 type vxlan id 42 dev veth0 dstport 4789",
        "link set vx0 master br0",
        "link set veth2 mtu 9000",
        "link set veth0 address 02:00:00:00:00:01",
        "link add vpeer0 type veth peer name vpeer1 netns \(peerNamespace.name)",
        "addr add 192.0.2.1/24 dev veth0",
        "addr add 192.0.2.2/24 dev veth0",
        "addr add 198.51.100.1/24 dev br0 label br0:mgmt",
        "addr add 2001:db8::1/64 dev veth0 nodad",
        "addr add 2001:db8:1::1/64 dev br0 nodad",
        "link set lo up",
        "link set veth0 up",
        "link set veth1 up",
        "link set br0 up",
        "link set mv0 up",
    ])
    try namespace.ip("tuntap", "add", "tap0", "mode", "tap")
    try namespace.ip("tuntap", "add", "tun0", "mode", "tun")
    try namespace.ip("link", "set", "tap0", "master", "br0")
}

@Suite("NetlinkSocket", .serialized)
struct NetlinkSocketTests {
    @Test(
        "snapshot matches ip -d -j link show and ip -j addr show field by field",
        .enabled(if: namespacesSupported, needsRoot))
    func snapshotMatchesIproute2() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        let peerNamespace = try NetworkNamespaceFixture()
        defer { peerNamespace.delete() }
        try populate(namespace, peerNamespace: peerNamespace)
        let socket = try NetlinkSocket(networkNamespace: namespace.path)

        // Links that just came up may still change state (DAD, bridge ports); read ip before and after the
        // snapshot and accept the round only when iproute2 saw the same non-counter facts both times.
        var attempt = 0
        while true {
            attempt += 1
            let linksBefore = try namespace.linkObjects()
            let addressesBefore = try addressFacts(namespace.addressObjects())
            let snapshot = try socket.snapshot()
            let linksAfter = try namespace.linkObjects()
            let addressesAfter = try addressFacts(namespace.addressObjects())
            let factsBefore = try linksBefore.map(linkFacts)
            let factsAfter = try linksAfter.map(linkFacts)
            guard factsBefore == factsAfter, addressesBefore == addressesAfter, attempt < 20 else {
                if attempt < 20 {
                    Thread.sleep(forTimeInterval: 0.25)
                    continue
                }
                Issue.record("ip output never settled")
                return
            }
            try compare(snapshot, factsAfter, before: linksBefore, after: linksAfter)
            try compare(snapshot.addresses, addressesAfter)
            return
        }
    }

    private func compare(
        _ snapshot: NetlinkSnapshot, _ expected: [IPLinkFacts], before: [[String: Any]], after: [[String: Any]]
    ) throws {
        #expect(snapshot.links.map(\.name).sorted() == expected.map(\.name).sorted())
        let names = Dictionary(uniqueKeysWithValues: snapshot.links.map { ($0.index, $0.name) })
        let indexes = Dictionary(uniqueKeysWithValues: snapshot.links.map { ($0.name, $0.index) })
        for (position, facts) in expected.enumerated() {
            let link = try #require(snapshot.links.first { $0.name == facts.name }, "missing \(facts.name)")
            #expect(link.index == facts.index, "\(facts.name) index")
            #expect(link.kind?.rawValue == facts.kind, "\(facts.name) kind")
            #expect(link.slaveKind?.rawValue == facts.slaveKind, "\(facts.name) slave kind")
            #expect(link.masterIndex.flatMap { names[$0] } == facts.masterName, "\(facts.name) master")
            #expect(link.masterIndex == facts.masterName.flatMap { indexes[$0] }, "\(facts.name) master index")
            if let netnsID = facts.linkNetnsID {
                #expect(link.parentNetnsID == netnsID, "\(facts.name) link-netnsid")
                #expect(link.parentIndex == facts.linkIndex, "\(facts.name) link_index")
            } else {
                #expect(link.parentNetnsID == nil, "\(facts.name) link-netnsid")
                #expect(link.parentIndex.flatMap { names[$0] } == facts.linkName, "\(facts.name) link")
            }
            #expect(link.mtu == facts.mtu, "\(facts.name) mtu")
            #expect(link.mac == facts.mac, "\(facts.name) mac")
            #expect(link.operState.rawValue == facts.operState, "\(facts.name) operstate")
            let flagNames = Set(interfaceFlagNames.filter { link.flags & $0.1 != 0 }.map(\.0))
            #expect(flagNames == facts.flags, "\(facts.name) flags")
            #expect(link.vlanID == facts.vlanID, "\(facts.name) vlan id")
            #expect(link.tunMode == facts.tunType, "\(facts.name) tun mode")
            // Counters only grow: fabric's value lies between iproute2's reads before and after it.
            let low = try counters(before[position])
            let high = try counters(after[position])
            let ours = counters(link.statistics)
            for (counter, value) in ours.enumerated() {
                #expect(low[counter] <= value && value <= high[counter], "\(facts.name) counter \(counter)")
            }
        }
        // The fixture really exercised the interesting cases.
        let byName = Dictionary(uniqueKeysWithValues: snapshot.links.map { ($0.name, $0) })
        #expect(byName["lo"]?.mac == "00:00:00:00:00:00")
        #expect(byName["tun0"]?.mac == nil)
        #expect(byName["tun0"]?.tunMode == "tun")
        #expect(byName["tap0"]?.tunMode == "tap")
        #expect(byName["tap0"]?.slaveKind == "bridge")
        #expect(byName["veth0"]?.mac == "02:00:00:00:00:01")
        #expect(byName["veth2"]?.mtu == 9000)
        #expect(byName["mv0"]?.parentIndex == byName["veth0"]?.index)
        #expect(byName["veth0"]?.parentIndex == byName["veth1"]?.index)
        #expect(byName["vpeer0"]?.parentNetnsID != nil)
        #expect(byName["vx0"]?.kind == "vxlan")
        #expect(byName["br0"]?.isAdminUp == true)
    }

    private func compare(_ addresses: [InterfaceAddress], _ expected: Set<IPAddressFacts>) throws {
        let ours = addresses.map {
            IPAddressFacts(
                linkIndex: $0.linkIndex, family: $0.family.rawValue, address: $0.address,
                prefixLength: $0.prefixLength, scope: $0.scope, secondary: $0.isSecondary,
                // iproute2 prints IFA_LABEL only for IPv4.
                label: $0.family == .ipv4 ? $0.label : nil)
        }
        #expect(ours.count == expected.count)
        #expect(Set(ours) == expected)
        let secondary = try #require(addresses.first { $0.address == "192.0.2.2" })
        #expect(secondary.isSecondary && secondary.prefixLength == 24 && secondary.cidr == "192.0.2.2/24")
        #expect(addresses.first { $0.address == "192.0.2.1" }?.isSecondary == false)
        #expect(addresses.first { $0.address == "198.51.100.1" }?.label == "br0:mgmt")
        #expect(addresses.first { $0.address == "127.0.0.1" }?.scope == 254)
        #expect(addresses.first { $0.address == "2001:db8::1" }?.family == .ipv6)
    }

    @Test("the statistics dump has every link's counters, equal to the link dump's", .enabled(if: namespacesSupported, needsRoot))
    func linkCountersMatchTheLinkDump() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        // Links that stay down send nothing; lo carries the traffic.
        try namespace.ipBatch(["link set lo up", "link add l0 type veth peer name l1", "link add lbr type bridge"])
        let sent = try ProcessRunner.run("/usr/sbin/ip", ["netns", "exec", namespace.name, "python3", "-c", """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for _ in range(5): s.sendto(b"x" * 1000, ("127.0.0.1", 9))
            """])
        #expect(sent.status == 0)
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        let counters = try socket.linkCounters()
        let links = try socket.snapshot().links
        #expect(counters.map(\.index).sorted() == links.map(\.index))
        for link in links {
            #expect(counters.first { $0.index == link.index }?.statistics == link.statistics, "counters of \(link.name)")
        }
        let loopback = try #require(links.first { $0.name == "lo" }).statistics
        #expect(loopback.rxPackets >= 5 && loopback.txPackets == loopback.rxPackets, "5 datagrams (and ICMP port unreachables)")
        #expect(loopback.rxBytes >= 5 * 1028)
    }

    @Test("a missing namespace path throws ENOENT with the path in the message")
    func missingNamespace() {
        let path = "/run/netns/fabric-nl-missing-\(UInt32.random(in: .min ... .max))"
        do {
            _ = try NetlinkSocket(networkNamespace: path)
            Issue.record("opening \(path) succeeded")
        } catch {
            #expect(error == .noSuchFile)
            #expect(error.domain == .system)
            #expect(error.description.contains(path))
            #expect(error.description.contains("ENOENT"))
        }
    }

    @Test(
        "a file that is not a network namespace throws EINVAL",
        .enabled(if: namespacesSupported, needsRoot))
    func notANetworkNamespace() {
        #expect(throws: NetlinkError.invalidSystemArgument) {
            _ = try NetlinkSocket(networkNamespace: "/proc/self/ns/uts")
        }
    }

    @Test("opening a namespace does not move the caller's thread", .enabled(if: namespacesSupported, needsRoot))
    func callerStaysInItsNamespace() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        let before = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        let after = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")
        #expect(before == after)
        // The socket itself talks to the new namespace: it holds only lo.
        #expect(try socket.snapshot().links.map(\.name) == ["lo"])
    }

    @Test("setMaster enslaves a tap to a bridge and releases it", .enabled(if: namespacesSupported, needsRoot))
    func setMasterAndRelease() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        try namespace.ip("link", "add", "br0", "type", "bridge")
        try namespace.ip("tuntap", "add", "tap0", "mode", "tap")
        let socket = try NetlinkSocket(networkNamespace: namespace.path)

        try socket.setMaster(link: "tap0", master: "br0")
        let enslaved = try IPJSON.objects(namespace.ip("-j", "link", "show", "tap0"))
        #expect(enslaved.first?["master"] as? String == "br0")
        let snapshot = try socket.snapshot()
        let bridge = try #require(snapshot.links.first { $0.name == "br0" })
        let tap = try #require(snapshot.links.first { $0.name == "tap0" })
        #expect(tap.masterIndex == bridge.index)
        #expect(tap.slaveKind == "bridge")
        #expect(try socket.index(ofLink: "br0") == bridge.index)

        try socket.setUp(link: "tap0")
        let up = try IPJSON.objects(namespace.ip("-j", "link", "show", "tap0"))
        #expect((up.first?["flags"] as? [String])?.contains("UP") == true)
        try socket.setUp(link: "tap0", false)

        try socket.setMaster(link: "tap0", master: nil)
        let released = try IPJSON.objects(namespace.ip("-j", "link", "show", "tap0"))
        #expect(released.first?["master"] == nil)
        #expect(try socket.snapshot().links.first { $0.name == "tap0" }?.masterIndex == nil)
    }

    @Test(
        "setMaster on a missing link or master throws noDevice", .enabled(if: namespacesSupported, needsRoot),
        arguments: [("ghost0", "br0"), ("tap0", "ghostbr"), ("ghost0", nil)] as [(String, String?)])
    func setMasterMissing(link: String, master: String?) throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        try namespace.ip("link", "add", "br0", "type", "bridge")
        try namespace.ip("tuntap", "add", "tap0", "mode", "tap")
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        #expect(throws: NetlinkError.noDevice) {
            try socket.setMaster(link: link, master: master)
        }
        #expect(throws: NetlinkError.noDevice) { try socket.setUp(link: "ghost0") }
    }

    @Test(
        "200 snapshots under link churn stay self-consistent", .enabled(if: namespacesSupported, needsRoot),
        .timeLimit(.minutes(3)))
    func snapshotsUnderChurn() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        try namespace.ipBatch([
            "link add stable0 type veth peer name stable1",
            "link add stablebr type bridge",
            "link set stable1 master stablebr",
            "addr add 203.0.113.1/24 dev stable0",
            "link set stable0 up",
        ])
        // Veths, bridges, enslavement and addresses appear and vanish continuously; bridges are created
        // after their ports, so a port can be dumped with a master the dump no longer reaches.
        let name = namespace.name
        let loop = """
            i=0
            while :; do
              ip -n \(name) link add c$i type veth peer name d$i
              ip -n \(name) link add b$i type bridge
              ip -n \(name) link set c$i master b$i
              ip -n \(name) addr add 10.9.$i.1/24 dev c$i
              ip -n \(name) link set c$i up
              ip -n \(name) link del b$i
              ip -n \(name) link del c$i
              i=$(( (i + 1) % 20 ))
            done
            """
        let churn = try BackgroundProcess("sh", ["-c", loop])
        defer { churn.stop() }
        let socket = try NetlinkSocket(networkNamespace: namespace.path)

        var danglingMasters = 0
        var sawChurnLinks = 0
        for _ in 0..<200 {
            // Spread the snapshots over about a second so they overlap many churn iterations.
            Thread.sleep(forTimeInterval: 0.005)
            let snapshot = try socket.snapshot()
            let byIndex = Dictionary(snapshot.links.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
            // Rule 1: ifindexes and names are unique within a snapshot.
            #expect(byIndex.count == snapshot.links.count)
            #expect(Set(snapshot.links.map(\.name)).count == snapshot.links.count)
            // Rule 2: every address belongs to a link of the same snapshot (others are dropped).
            #expect(snapshot.addresses.allSatisfy { byIndex[$0.linkIndex] != nil })
            // Rule 3: a link with a master is a bridge port, and its master, when the dump still reached it,
            // is a bridge; a master missing from the snapshot vanished during the dump (counted below).
            for link in snapshot.links {
                guard let master = link.masterIndex else { continue }
                #expect(link.slaveKind == "bridge", "\(link.name)")
                if let masterLink = byIndex[master] {
                    #expect(masterLink.kind == "bridge", "\(link.name) master \(masterLink.name)")
                } else {
                    danglingMasters += 1
                }
            }
            // Rule 4: the links nobody touches are always there, with their relations intact.
            let stable0 = try #require(snapshot.links.first { $0.name == "stable0" })
            let stable1 = try #require(snapshot.links.first { $0.name == "stable1" })
            let bridge = try #require(snapshot.links.first { $0.name == "stablebr" })
            #expect(stable1.masterIndex == bridge.index)
            #expect(stable0.parentIndex == stable1.index && stable1.parentIndex == stable0.index)
            #expect(snapshot.addresses.contains { $0.linkIndex == stable0.index && $0.address == "203.0.113.1" })
            #expect(snapshot.links.contains { $0.name == "lo" })
            if snapshot.links.contains(where: { $0.name.hasPrefix("c") || $0.name.hasPrefix("b") }) {
                sawChurnLinks += 1
            }
        }
        #expect(churn.isRunning, "the churn loop died early")
        #expect(sawChurnLinks > 0, "no snapshot ever saw a churned link")
        print("churn: \(sawChurnLinks)/200 snapshots saw churned links, \(danglingMasters) dangling masters")
    }
}
