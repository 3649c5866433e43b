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
    /// Components are grown one reference at a time from the touched links, each step one pass over the links'
    /// references (no hashing while the frontier is small); a component deeper than this is found with
    /// union-find over every link instead.
    static let maximumSteps = 16

    /// The ifindexes of `touched` and of every link of `links` in a component with one of them.
    /// - Parameter previous: the earlier version of touched links that changed or are gone: a link that left a
    ///   bridge changes the bridge's ports.
    static func closure(of touched: Set<Int32>, in links: [Link], previous: [Int32: Link]) -> Set<Int32> {
        var affected = touched
        var frontier = Frontier(touched)
        for link in previous.values {
            for reference in link.references where affected.insert(reference).inserted { frontier.add(reference) }
        }
        var steps = 0
        while !frontier.isEmpty {
            steps += 1
            if steps > maximumSteps { return unionFindClosure(of: touched, in: links, previous: previous) }
            var next = Frontier([])
            links.withUnsafeBufferPointer { links in
                for position in links.indices {
                    let index = links[position].index
                    if frontier.contains(index) {
                        for reference in links[position].references where affected.insert(reference).inserted {
                            next.add(reference)
                        }
                    } else if !affected.contains(index), links[position].references.contains(where: frontier.contains) {
                        affected.insert(index)
                        next.add(index)
                    }
                }
            }
            frontier = next
        }
        return affected
    }

    /// The same closure in one pass of union-find over every link, for deep components.
    static func unionFindClosure(of touched: Set<Int32>, in links: [Link], previous: [Int32: Link]) -> Set<Int32> {
        var sets = DisjointSets(capacity: links.count)
        links.withUnsafeBufferPointer { links in
            for position in links.indices { sets.joinReferences(of: links[position]) }
        }
        for link in previous.values { sets.joinReferences(of: link) }
        var touchedRoots = Set<Int32>()
        for index in touched { touchedRoots.insert(sets.root(of: index)) }
        var affected = touched
        links.withUnsafeBufferPointer { links in
            for position in links.indices where touchedRoots.contains(sets.root(of: links[position].index)) {
                affected.insert(links[position].index)
            }
        }
        return affected
    }

    /// The links reached in the last step: a short list compared directly while small, a set beyond.
    struct Frontier {
        private var few: [Int32] = []
        private var many: Set<Int32>?

        init(_ indexes: Set<Int32>) {
            for index in indexes { add(index) }
        }

        var isEmpty: Bool { few.isEmpty && (many?.isEmpty ?? true) }

        mutating func add(_ index: Int32) {
            if many != nil {
                many?.insert(index)
            } else if few.count < 16 {
                few.append(index)
            } else {
                many = Set(few).union([index])
            }
        }

        func contains(_ index: Int32) -> Bool { many?.contains(index) ?? few.contains(index) }
    }
}

extension Link {
    /// The ifindexes this link names: master, IFLA_LINK, vxlan lower device.
    var references: LinkReferences {
        LinkReferences(master: masterIndex, parent: parentIndex, lower: vxlan?.lowerIndex)
    }
}

/// Up to three ifindexes, without allocating: this is read for every link at every step.
struct LinkReferences: Sequence, IteratorProtocol {
    var master: Int32?
    var parent: Int32?
    var lower: Int32?

    mutating func next() -> Int32? {
        if let master {
            self.master = nil
            return master
        }
        if let parent {
            self.parent = nil
            return parent
        }
        if let lower {
            self.lower = nil
            return lower
        }
        return nil
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
        for reference in link.references { join(link.index, reference) }
    }
}
