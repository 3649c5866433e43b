// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricTestSupport
import Foundation
import Testing

private let namespacesSupported = NetworkNamespaceFixture.isSupported

/// Fault injection (docs/RELIABILITY.md): the event socket overruns for real. A monitor with the smallest buffer the
/// agent accepts follows a burst of 10,000 link and address changes made while it reads; it must say events were
/// lost, and the owner's protocol (replay events, dump again after an overrun) must end where `ip` is.
@Suite("netlink overrun", .serialized, .timeLimit(.minutes(3)))
struct NetlinkOverrunTests {
    /// What `ip` and a snapshot both say about a link: identity, MTU, state, membership and MAC.
    struct LinkFacts: Hashable, CustomStringConvertible {
        var index: Int32
        var name: String
        var mtu: UInt32
        var operState: String
        var adminUp: Bool
        var master: String?
        var mac: String?

        var description: String {
            "\(index):\(name) mtu \(mtu) \(operState)\(adminUp ? " up" : "") master \(master ?? "-") \(mac ?? "-")"
        }
    }

    struct AddressFacts: Hashable {
        var index: Int32
        var cidr: String
    }

    static func facts(_ snapshot: NetlinkSnapshot) -> (links: Set<LinkFacts>, addresses: Set<AddressFacts>) {
        let names = Dictionary(uniqueKeysWithValues: snapshot.links.map { ($0.index, $0.name) })
        let links = Set(snapshot.links.map { link in
            LinkFacts(
                index: link.index, name: link.name, mtu: link.mtu, operState: link.operState.rawValue,
                adminUp: link.isAdminUp, master: link.masterIndex.flatMap { names[$0] }, mac: link.mac)
        })
        let addresses = Set(snapshot.addresses.filter { $0.family == .ipv4 }.map {
            AddressFacts(index: $0.linkIndex, cidr: "\($0.address)/\($0.prefixLength)")
        })
        return (links, addresses)
    }

    /// `ip -d -j link show` and `ip -j addr show` in the namespace.
    static func facts(_ namespace: NetworkNamespaceFixture) throws -> (links: Set<LinkFacts>, addresses: Set<AddressFacts>) {
        var links = Set<LinkFacts>()
        for object in try IPJSON.objects(namespace.ip("-d", "-j", "link", "show")) {
            links.insert(
                LinkFacts(
                    index: Int32(try #require(IPJSON.int(object["ifindex"]))),
                    name: try #require(object["ifname"] as? String),
                    mtu: UInt32(try #require(IPJSON.int(object["mtu"]))),
                    operState: try #require(object["operstate"] as? String),
                    adminUp: ((object["flags"] as? [String]) ?? []).contains("UP"),
                    master: object["master"] as? String, mac: object["address"] as? String))
        }
        var addresses = Set<AddressFacts>()
        for object in try namespace.addressObjects() {
            let index = Int32(try #require(IPJSON.int(object["ifindex"])))
            for info in (object["addr_info"] as? [[String: Any]]) ?? [] where info["family"] as? String == "inet" {
                let local = try #require(info["local"] as? String)
                addresses.insert(AddressFacts(index: index, cidr: "\(local)/\(try #require(IPJSON.int(info["prefixlen"])))"))
            }
        }
        return (links, addresses)
    }

    @Test(
        "a tiny receive buffer overruns during 10,000 link changes; replay plus a dump after each overrun ends where ip is",
        .enabled(if: namespacesSupported, "needs root and iproute2's ip to create network namespaces"))
    func overrunThenResyncConvergesOnIP() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-overrun")
        defer { namespace.delete() }
        // No automatic IPv6 link-local addresses: the kernel announces them only when duplicate address detection
        // ends, a second or more after the burst, which would only make the test wait.
        try namespace.exec("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/default/addr_gen_mode")
        let pairs = 100
        try namespace.ipBatch(LinkChurn.setup(pairs: pairs))

        // The owner's protocol (NetlinkChangeMonitor's documentation), with 4096 bytes asked for: the smallest
        // netlink-receive-buffer the agent accepts.
        var monitor = try NetlinkChangeMonitor(networkNamespace: namespace.path, receiveBufferSize: 4096)
        #expect(monitor.grantedReceiveBufferSize == 4096, "as root, SO_RCVBUFFORCE gives the size asked for")
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        var current = try socket.snapshot()

        let file = NSTemporaryDirectory() + "\(namespace.name).burst"
        defer { unlink(file) }
        let changes = LinkChurn.burst(count: 10_000, pairs: pairs)
        #expect(changes.count == 10_000)
        let started = ContinuousClock.now
        let burst = try namespace.startBatch(changes, file: file)
        var overruns = 0
        var events = 0
        var burstEnded: ContinuousClock.Instant?
        var converged: ContinuousClock.Instant?
        // As the agent's watcher does: a dump the burst keeps interrupting is owed and tried again, not fatal.
        var resyncOwed = false
        let deadline = started + .seconds(60)
        while ContinuousClock.now < deadline {
            let batch = try monitor.waitForEvents(timeout: .milliseconds(resyncOwed ? 50 : 500))
            events += batch.events.count
            if batch.needsResync { overruns += 1 }
            if batch.needsResync || resyncOwed {
                let dump = Result { () throws(NetlinkError) in try socket.snapshot() }
                if case .failure(let error) = dump, error == .dumpInterrupted {
                    resyncOwed = true
                    continue
                }
                current = try dump.get()
                resyncOwed = false
            } else {
                current.apply(batch)
            }
            if burstEnded == nil, !burst.isRunning {
                burstEnded = .now
                #expect(burst.waitUntilExit() == 0, "ip -batch stopped at an invalid line")
            }
            // Quiet after the burst: the replayed state must be ip's (else keep reading: late operstate changes).
            if burstEnded != nil, batch.isEmpty {
                let seen = Self.facts(current)
                let ip = try Self.facts(namespace)
                if seen.links == ip.links, seen.addresses == ip.addresses {
                    converged = .now
                    break
                }
            }
        }
        let ended = try #require(burstEnded, "the burst did not end within 60 s")
        let done = try #require(converged, "the replayed state never matched ip within 60 s")
        #expect(overruns > 0, "a 4 KiB buffer must overrun in a burst of 10,000 changes")

        // The end state, shown field by field if it differs; then a fresh dump agrees too.
        let seen = Self.facts(current)
        let ip = try Self.facts(namespace)
        #expect(seen.links.subtracting(ip.links).isEmpty && ip.links.subtracting(seen.links).isEmpty,
                "only in the snapshot: \(seen.links.subtracting(ip.links)); only in ip: \(ip.links.subtracting(seen.links))")
        #expect(seen.addresses == ip.addresses)
        #expect(ip.links.count >= 2 * pairs, "the namespace still holds the churned links (\(ip.links.count))")
        #expect(Self.facts(try socket.snapshot()).links == ip.links)
        print(
            "fault figure: netlink overrun: 10,000 changes in \(started.duration(to: ended)), \(events) events read, "
                + "\(overruns) overruns (4096-byte buffer), replay+resync equal to ip \(ended.duration(to: done)) after the burst")
    }
}
