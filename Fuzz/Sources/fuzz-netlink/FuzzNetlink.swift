// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: one datagram on the agent's rtnetlink socket, as if the kernel had sent it, through libnl's
// parsers and fabric's reading of links, addresses and statistics. Oracles: nothing crashes (ASan watches
// every read of the message), and replaying the events keeps the snapshot's invariants.
@_spi(Fuzzing) import FabricNetlink
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlink(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let datagram = inputBytes(data, size)
    let batch = NetlinkFuzzing.events(inDatagram: datagram)
    _ = NetlinkFuzzing.counters(inDatagram: datagram)
    // Every event twice: the agent replays notifications onto a dump that may already hold them.
    var snapshot = NetlinkSnapshot(links: [], addresses: [])
    snapshot.apply(batch)
    checkInvariants(snapshot)
    snapshot.apply(batch)
    checkInvariants(snapshot)
    return 0
}

/// What ``NetlinkSnapshot/apply(_:)`` promises: links sorted by ifindex, one per ifindex; every address on a
/// link of the snapshot; one address per identity.
func checkInvariants(_ snapshot: NetlinkSnapshot) {
    let indexes = snapshot.links.map(\.index)
    require(zip(indexes, indexes.dropFirst()).allSatisfy { $0 < $1 }, "links not strictly sorted: \(indexes)")
    let present = Set(indexes)
    for address in snapshot.addresses {
        require(present.contains(address.linkIndex), "address \(address.address) on absent link \(address.linkIndex)")
    }
    let identities = snapshot.addresses.map(\.identity)
    require(Set(identities).count == identities.count, "two addresses with one identity")
}
