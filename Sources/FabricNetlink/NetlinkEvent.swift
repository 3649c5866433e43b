// SPDX-License-Identifier: Apache-2.0

/// One rtnetlink notification, parsed. Each carries the whole object as the kernel has it after the
/// change (a link message is the same `ifinfomsg` a dump returns), so applying events in order to a
/// snapshot taken after subscribing converges on the namespace's current state.
public enum NetlinkEvent: Sendable, Hashable {
    /// `RTM_NEWLINK`: a link appeared or changed (name, flags, state, master, counters…).
    case linkChanged(Link)
    /// `RTM_DELLINK`: the link is gone (deleted, or moved to another namespace).
    case linkRemoved(Link)
    /// `RTM_NEWADDR`: an address appeared or changed (flags, scope).
    case addressChanged(InterfaceAddress)
    /// `RTM_DELADDR`.
    case addressRemoved(InterfaceAddress)
}

/// What one ``NetlinkChangeMonitor/waitForEvents(timeout:)`` read.
public struct NetlinkEventBatch: Sendable, Hashable {
    /// The parsed notifications, in the order the kernel sent them.
    public var events: [NetlinkEvent]
    /// The kinds of change seen, including ``NetlinkChanges/overrun`` when events were lost (or a
    /// notification was too large to read whole): then `events` is incomplete and only a fresh
    /// ``NetlinkSocket/snapshot()`` is the truth.
    public var changes: NetlinkChanges

    public init(events: [NetlinkEvent] = [], changes: NetlinkChanges = []) {
        self.events = events
        self.changes = changes
    }

    public var isEmpty: Bool { changes.isEmpty }
    public var needsResync: Bool { changes.contains(.overrun) }

    /// Appends a later batch.
    public mutating func append(_ later: NetlinkEventBatch) {
        events += later.events
        changes.formUnion(later.changes)
    }
}

extension InterfaceAddress {
    /// What identifies an address on its link, as the kernel matches `RTM_DELADDR` against it.
    public var identity: AddressIdentity {
        AddressIdentity(linkIndex: linkIndex, family: family, address: address, prefixLength: prefixLength)
    }

    public struct AddressIdentity: Sendable, Hashable {
        public var linkIndex: Int32
        public var family: Family
        public var address: String
        public var prefixLength: UInt8
    }
}

extension NetlinkSnapshot {
    /// Applies one notification, keeping the snapshot's invariants: links sorted by ifindex, one link
    /// per ifindex, every address on a link of the snapshot, one address per identity.
    public mutating func apply(_ event: NetlinkEvent) {
        switch event {
        case .linkChanged(let link):
            let position = insertionIndex(ofLink: link.index)
            if position < links.count, links[position].index == link.index {
                links[position] = link
            } else {
                links.insert(link, at: position)
            }
        case .linkRemoved(let link):
            let position = insertionIndex(ofLink: link.index)
            if position < links.count, links[position].index == link.index { links.remove(at: position) }
            // The kernel also sends RTM_DELADDR for them; this keeps the invariant if it did not.
            addresses.removeAll { $0.linkIndex == link.index }
        case .addressChanged(let address):
            let position = insertionIndex(ofLink: address.linkIndex)
            guard position < links.count, links[position].index == address.linkIndex else { return }
            let identity = address.identity
            if let existing = addresses.firstIndex(where: { $0.identity == identity }) {
                // The kernel moves an IPv4 address only when it is promoted (secondary → primary).
                if address.family == .ipv6 || addresses[existing].isSecondary == address.isSecondary {
                    addresses[existing] = address
                    return
                }
                addresses.remove(at: existing)
            }
            addresses.insert(address, at: insertionIndex(ofAddress: address))
        case .addressRemoved(let address):
            let identity = address.identity
            addresses.removeAll { $0.identity == identity }
        }
    }

    /// Applies every event of `batch` in order.
    public mutating func apply(_ batch: NetlinkEventBatch) {
        for event in batch.events { apply(event) }
    }

    /// Where the kernel keeps a new address among its link's addresses of the same family, so the
    /// replayed list reads like a fresh dump: IPv4 primaries after the last primary of the same or a
    /// wider scope and secondaries last (`__inet_insert_ifa`); IPv6 before the first address of the same
    /// or a narrower scope (`ipv6_link_dev_addr`). `scope` here is `RT_SCOPE_*`, smaller is wider. A link
    /// without addresses of the family gets them where a dump puts them: IPv4 before IPv6.
    private func insertionIndex(ofAddress new: InterfaceAddress) -> Int {
        let sameGroup = addresses.indices.filter {
            addresses[$0].linkIndex == new.linkIndex && addresses[$0].family == new.family
        }
        guard let first = sameGroup.first, let last = sameGroup.last else {
            func key(_ a: InterfaceAddress) -> (Int, Int32) { (a.family == .ipv4 ? 0 : 1, a.linkIndex) }
            return addresses.firstIndex { key($0) > key(new) } ?? addresses.count
        }
        switch new.family {
        case .ipv4:
            if new.isSecondary { return last + 1 }
            let lastWiderPrimary = sameGroup.last { !addresses[$0].isSecondary && new.scope <= addresses[$0].scope }
            return lastWiderPrimary.map { $0 + 1 } ?? first
        case .ipv6:
            return sameGroup.first { addresses[$0].scope >= new.scope } ?? last + 1
        }
    }

    /// Binary search over the sorted links: the position of `index`, or where it would be inserted.
    private func insertionIndex(ofLink index: Int32) -> Int {
        var low = 0
        var high = links.count
        while low < high {
            let middle = (low + high) / 2
            if links[middle].index < index { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
