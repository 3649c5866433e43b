// SPDX-License-Identifier: Apache-2.0
@testable import FabricInventory
import FabricNetlink
import Testing

/// Which rows a link event rebuilds: the touched links' components, through masters, lower devices, veth peers
/// and vxlan lower devices, as they are and as they were.
@Suite struct LinkComponentsTests {
    static let links = [
        Link(index: 1, name: "lo"),
        Link(index: 2, name: "eth0", kind: .veth, parentIndex: 3),
        Link(index: 3, name: "eth0-peer", kind: .veth, parentIndex: 2),
        Link(index: 4, name: "br0", kind: .bridge),
        Link(index: 5, name: "tap0", kind: .tun, masterIndex: 4),
        Link(index: 6, name: "eth1"),
        Link(index: 7, name: "eth1.100", kind: .vlan, masterIndex: 4, parentIndex: 6),
        Link(index: 8, name: "vxlan-9", kind: .vxlan, vxlan: VXLANInfo(vni: 9, lowerIndex: 10)),
        Link(index: 9, name: "alone"),
        Link(index: 10, name: "eth2"),
    ]

    @Test(arguments: [
        ("a veth pair", [2], [2, 3]),
        ("a bridge port: the bridge, its ports, their lower devices", [5], [4, 5, 6, 7]),
        ("a VLAN's lower device", [6], [4, 5, 6, 7]),
        ("a vxlan device's lower device", [10], [8, 10]),
        ("a link with no references", [9], [9]),
        ("two components", [9, 3], [2, 3, 9]),
    ] as [(String, Set<Int32>, Set<Int32>)])
    func componentsOfTouchedLinks(_ case: String, _ touched: Set<Int32>, _ expected: Set<Int32>) {
        #expect(LinkComponents.closure(of: touched, in: Self.links, previous: [:]) == expected, "\(`case`)")
    }

    @Test func aLinkThatLeftABridgeRebuildsTheBridge() {
        // vxlan-9 (8) was a port of br0 (4) until now.
        let now = Self.links
        var before = now[7]
        before.masterIndex = 4
        #expect(LinkComponents.closure(of: [8], in: now, previous: [:]) == [8, 10])
        #expect(LinkComponents.closure(of: [8], in: now, previous: [8: before]) == [4, 5, 6, 7, 8, 10])
    }

    @Test func aLinkThatIsGoneRebuildsWhatReferencedIt() {
        // eth1 (6) is gone; the VLAN on it still names its ifindex, and br0 lost nothing else.
        let links = Self.links.filter { $0.index != 6 }
        let affected = LinkComponents.closure(of: [6], in: links, previous: [6: Self.links[5]])
        #expect(affected == [4, 5, 6, 7])
    }

    /// A chain deeper than the stepwise search goes is found by union-find, with the same result.
    @Test func aDeepChainIsFollowedToItsEnd() {
        let depth = LinkComponents.maximumSteps * 3
        var links = [Link(index: 1, name: "lo"), Link(index: 2, name: "eth0")]
        for level in 0..<depth {
            let index = Int32(3 + level)
            links.append(Link(index: index, name: "v\(level)", kind: .vlan, parentIndex: index - 1, vlanID: 10))
        }
        let affected = LinkComponents.closure(of: [2], in: links, previous: [:])
        #expect(affected == Set(links.map(\.index)).subtracting([1]))
        #expect(LinkComponents.unionFindClosure(of: [2], in: links, previous: [:]) == affected)
    }
}
