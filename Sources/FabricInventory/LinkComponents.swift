// SPDX-License-Identifier: Apache-2.0
import FabricNetlink

/// The links whose rows a link event can change.
///
/// A row is built from its own link, addresses and sysfs files, from the links it names by ifindex (its master,
/// IFLA_LINK's lower device or veth peer, a vxlan device's lower device) and, for its classification, from its
/// master's kind and the master's other ports; a bond's row from its slaves. Nothing else in the snapshot reaches
/// it (the configuration and the switch's view do, and a change there rebuilds every row). So the links joined
/// by those references, followed either way, form components that can be built apart from each other: an event
/// rebuilds the components of the links it touched, as they are now and as they were before it.
enum LinkComponents {
    /// The ifindexes of `touched` and of every link of `links` in a component with one of them.
    /// - Parameter previous: the earlier version of touched links that changed or are gone: a link that left a
    ///   bridge changes the bridge's ports.
    static func closure(of touched: Set<Int32>, in links: [Link], previous: [Int32: Link]) -> Set<Int32> {
        var sets = DisjointSets(capacity: links.count)
        for link in links { sets.joinReferences(of: link) }
        for link in previous.values { sets.joinReferences(of: link) }
        var touchedRoots = Set<Int32>()
        for index in touched { touchedRoots.insert(sets.root(of: index)) }
        var affected = touched
        for link in links where touchedRoots.contains(sets.root(of: link.index)) { affected.insert(link.index) }
        return affected
    }
}

/// Union-find over ifindexes, with path halving. A link that references nothing and that nothing references is
/// its own set and never stored.
struct DisjointSets {
    private var parent: [Int32: Int32] = [:]

    init(capacity: Int) { parent.reserveCapacity(capacity) }

    mutating func root(of index: Int32) -> Int32 {
        var node = index
        while let up = parent[node], up != node {
            let grandparent = parent[up] ?? up
            parent[node] = grandparent
            node = grandparent
        }
        return node
    }

    mutating func join(_ a: Int32, _ b: Int32) {
        let rootA = root(of: a)
        let rootB = root(of: b)
        if rootA != rootB { parent[rootA] = rootB }
    }

    mutating func joinReferences(of link: Link) {
        if let master = link.masterIndex { join(link.index, master) }
        if let parent = link.parentIndex { join(link.index, parent) }
        if let lower = link.vxlan?.lowerIndex { join(link.index, lower) }
    }
}
