// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricTestSupport
import Testing

private let namespacesSupported = NetworkNamespaceFixture.isSupported

@Suite("NetlinkChangeMonitor", .serialized)
struct NetlinkChangeMonitorTests {
    @Test(
        "link and address changes are reported, quiet periods are empty",
        .enabled(if: namespacesSupported, "needs root and iproute2's ip to create network namespaces"))
    func reportsChanges() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        var monitor = try NetlinkChangeMonitor(networkNamespace: namespace.path)
        #expect(try monitor.waitForEvents(timeout: .milliseconds(100)).isEmpty)

        try namespace.ip("link", "add", "br0", "type", "bridge")
        let linkBatch = try monitor.waitForEvents(timeout: .seconds(5))
        #expect(linkBatch.changes.contains(.links))
        #expect(!linkBatch.needsResync)
        #expect(linkBatch.events.contains { if case .linkChanged(let link) = $0 { link.name == "br0" } else { false } })

        try namespace.ip("addr", "add", "192.0.2.1/24", "dev", "br0")
        var addressBatch = try monitor.waitForEvents(timeout: .seconds(5))
        // The kernel may also send a link message for the same operation; wait for the address one.
        while !addressBatch.changes.contains(.addresses) {
            let more = try monitor.waitForEvents(timeout: .seconds(5))
            if more.isEmpty { break }
            addressBatch.append(more)
        }
        #expect(addressBatch.events.contains(.addressChanged(
            InterfaceAddress(linkIndex: try #require(linkBatch.events.first.flatMap(Self.linkIndex)), family: .ipv4,
                address: "192.0.2.1", prefixLength: 24, scope: 0, flags: 0x80, label: "br0"))))

        try namespace.ip("link", "del", "br0")
        let removal = try monitor.waitForEvents(timeout: .seconds(5))
        #expect(removal.events.contains { if case .linkRemoved(let link) = $0 { link.name == "br0" } else { false } })
        // Everything queued was consumed by the waits above.
        #expect(try monitor.waitForEvents(timeout: .milliseconds(100)).isEmpty)
    }

    @Test(
        "a full receive buffer is reported as overrun",
        .enabled(if: namespacesSupported, "needs root and iproute2's ip to create network namespaces"))
    func reportsOverrun() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        // The kernel's minimum receive buffer holds only a few link messages.
        var monitor = try NetlinkChangeMonitor(networkNamespace: namespace.path, receiveBufferSize: 1)
        try namespace.ipBatch((0..<100).map { "link add ov\($0) type veth peer name ow\($0)" })
        let batch = try monitor.waitForEvents(timeout: .seconds(5))
        #expect(batch.needsResync)
        #expect(batch.changes.contains(.links))
        // After an overrun a fresh dump still sees everything.
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        #expect(try socket.snapshot().links.count == 201)
    }

    static func linkIndex(_ event: NetlinkEvent) -> Int32? {
        if case .linkChanged(let link) = event { link.index } else { nil }
    }

    @Test("changes describe themselves")
    func descriptions() {
        #expect(NetlinkChanges([.links, .overrun]).description == "[links, overrun]")
        #expect(NetlinkChanges().description == "[]")
    }
}
