// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricTestSupport
import Testing

private let namespacesSupported = NetworkNamespaceFixture.isSupported

@Suite("NetlinkEvent replay", .serialized)
struct NetlinkEventTests {
    static func link(_ index: Int32, _ name: String) -> Link {
        Link(
            index: index, name: name, kind: "veth", slaveKind: nil, flags: 0x1003, operState: .up, mtu: 1500,
            mac: nil, masterIndex: nil, parentIndex: nil, parentNetnsID: nil, vlanID: nil, tunMode: nil,
            statistics: LinkStatistics())
    }

    static func address(
        _ link: Int32, _ text: String, _ prefix: UInt8 = 24, family: InterfaceAddress.Family = .ipv4, scope: UInt8 = 0,
        secondary: Bool = false
    ) -> InterfaceAddress {
        InterfaceAddress(
            linkIndex: link, family: family, address: text, prefixLength: prefix, scope: scope, flags: secondary ? 1 : 0)
    }

    @Test("links stay sorted by ifindex, a change replaces, a removal takes the link's addresses along")
    func linkEvents() {
        var snapshot = NetlinkSnapshot(links: [Self.link(1, "lo"), Self.link(5, "e5")], addresses: [])
        snapshot.apply(.linkChanged(Self.link(3, "e3")))
        snapshot.apply(.linkChanged(Self.link(9, "e9")))
        #expect(snapshot.links.map(\.index) == [1, 3, 5, 9])
        snapshot.apply(.linkChanged(Self.link(3, "renamed")))
        #expect(snapshot.links.map(\.name) == ["lo", "renamed", "e5", "e9"])
        snapshot.apply(.addressChanged(Self.address(5, "192.0.2.5")))
        snapshot.apply(.addressChanged(Self.address(3, "192.0.2.3")))
        snapshot.apply(.linkRemoved(Self.link(5, "e5")))
        #expect(snapshot.links.map(\.index) == [1, 3, 9])
        #expect(snapshot.addresses.map(\.address) == ["192.0.2.3"])
        snapshot.apply(.linkRemoved(Self.link(42, "never-seen")))
        #expect(snapshot.links.count == 3)
    }

    @Test("an address of a link the snapshot lacks is dropped; a repeated address replaces; removal matches identity")
    func addressEvents() {
        var snapshot = NetlinkSnapshot(links: [Self.link(2, "e2")], addresses: [])
        snapshot.apply(.addressChanged(Self.address(7, "198.51.100.1")))
        #expect(snapshot.addresses.isEmpty)
        snapshot.apply(.addressChanged(Self.address(2, "2001:db8::2", 64, family: .ipv6)))
        var tentative = Self.address(2, "2001:db8::2", 64, family: .ipv6)
        tentative.flags = 0x40
        snapshot.apply(.addressChanged(tentative))
        #expect(snapshot.addresses == [tentative])
        snapshot.apply(.addressRemoved(Self.address(2, "2001:db8::2", 65, family: .ipv6)))
        #expect(snapshot.addresses.count == 1, "another prefix length is another address")
        snapshot.apply(.addressRemoved(Self.address(2, "2001:db8::2", 64, family: .ipv6)))
        #expect(snapshot.addresses.isEmpty)
    }

    @Test("new addresses go where the kernel keeps them: IPv4 before IPv6, primaries before secondaries, IPv6 by scope")
    func addressOrder() {
        var snapshot = NetlinkSnapshot(links: [Self.link(2, "e2"), Self.link(3, "e3")], addresses: [])
        snapshot.apply(.addressChanged(Self.address(3, "fe80::3", 64, family: .ipv6, scope: 253)))
        snapshot.apply(.addressChanged(Self.address(3, "2001:db8::3", 64, family: .ipv6)))
        snapshot.apply(.addressChanged(Self.address(3, "192.0.2.3")))
        snapshot.apply(.addressChanged(Self.address(2, "192.0.2.2")))
        snapshot.apply(.addressChanged(Self.address(2, "192.0.2.22", secondary: true)))
        snapshot.apply(.addressChanged(Self.address(2, "198.51.100.2")))
        #expect(
            snapshot.addresses.map(\.address) == [
                "192.0.2.2", "198.51.100.2", "192.0.2.22", "192.0.2.3", "2001:db8::3", "fe80::3",
            ])
        // A promoted secondary moves behind the last primary.
        snapshot.apply(.addressRemoved(Self.address(2, "192.0.2.2")))
        snapshot.apply(.addressChanged(Self.address(2, "192.0.2.22")))
        #expect(snapshot.addresses.prefix(2).map(\.address) == ["198.51.100.2", "192.0.2.22"])
    }

    @Test(
        "replaying the notifications onto a dump taken after subscribing equals a fresh dump",
        .enabled(if: namespacesSupported, "needs root and iproute2's ip to create network namespaces"))
    func replayMatchesFreshDump() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        try namespace.ipBatch([
            "link set lo up", "link add pre0 type veth peer name pre1", "link set pre0 up", "link set pre1 up",
            "addr add 192.0.2.1/24 dev pre0",
        ])
        var monitor = try NetlinkChangeMonitor(networkNamespace: namespace.path)
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        var replayed = try socket.snapshot()
        try namespace.ipBatch([
            "link add br0 type bridge", "link set br0 up",
            "link add v0 type veth peer name v1", "link set v0 master br0", "link set v0 up", "link set v1 up",
            "addr add 198.51.100.1/24 dev br0", "addr add 198.51.100.9/24 dev br0", "addr add 203.0.113.1/24 dev br0",
            "addr add 2001:db8::1/64 dev br0 nodad", "addr add 2001:db8:1::1/64 dev br0 nodad",
            // Leaving a bridge sends an AF_BRIDGE RTM_DELLINK: the link must stay.
            "link set v0 nomaster",
            "link set pre1 name renamed1", "addr del 192.0.2.1/24 dev pre0", "addr add 192.0.2.7/24 dev pre0",
            "link add gone0 type veth peer name gone1", "link del gone0",
            "link add mv0 link pre0 type macvlan mode bridge", "link set mv0 up",
        ])
        // The kernel announces an IPv6 address when duplicate address detection ends, while a dump
        // already lists it as tentative: compare once no address is tentative any more.
        var fresh = try socket.snapshot()
        for _ in 0..<30 {
            while true {
                let batch = try monitor.waitForEvents(timeout: .milliseconds(300))
                if batch.isEmpty { break }
                #expect(!batch.needsResync)
                replayed.apply(batch)
            }
            fresh = try socket.snapshot()
            if !fresh.addresses.contains(where: { $0.flags & 0x40 != 0 }) { break }
        }
        #expect(!fresh.addresses.contains { $0.flags & 0x40 != 0 }, "duplicate address detection ended")
        func withoutCounters(_ links: [Link]) -> [Link] {
            links.map { var link = $0; link.statistics = LinkStatistics(); return link }
        }
        #expect(withoutCounters(replayed.links) == withoutCounters(fresh.links))
        #expect(replayed.links.contains { $0.name == "v0" && $0.masterIndex == nil })
        #expect(!replayed.links.contains { $0.name.hasPrefix("gone") })
        for link in fresh.links {
            #expect(
                replayed.addresses.filter { $0.linkIndex == link.index } == fresh.addresses.filter { $0.linkIndex == link.index },
                "addresses of \(link.name) in the kernel's order")
        }
    }
}
