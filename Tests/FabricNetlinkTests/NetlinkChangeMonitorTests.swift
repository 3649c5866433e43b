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
        #expect(try monitor.waitForChanges(timeout: .milliseconds(100)) == [])

        try namespace.ip("link", "add", "br0", "type", "bridge")
        let linkChanges = try monitor.waitForChanges(timeout: .seconds(5))
        #expect(linkChanges.contains(.links))
        #expect(!linkChanges.contains(.overrun))

        try namespace.ip("addr", "add", "192.0.2.1/24", "dev", "br0")
        var addressChanges = try monitor.waitForChanges(timeout: .seconds(5))
        // The kernel may also send a link message for the same operation; wait for the address one.
        while !addressChanges.contains(.addresses) {
            let more = try monitor.waitForChanges(timeout: .seconds(5))
            if more.isEmpty { break }
            addressChanges.formUnion(more)
        }
        #expect(addressChanges.contains(.addresses))

        try namespace.ip("link", "del", "br0")
        #expect(try monitor.waitForChanges(timeout: .seconds(5)).contains(.links))
        // Everything queued was consumed by the waits above.
        #expect(try monitor.waitForChanges(timeout: .milliseconds(100)) == [])
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
        let changes = try monitor.waitForChanges(timeout: .seconds(5))
        #expect(changes.contains(.overrun))
        #expect(changes.contains(.links))
        // After an overrun a fresh dump still sees everything.
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        #expect(try socket.snapshot().links.count == 201)
    }

    @Test("changes describe themselves")
    func descriptions() {
        #expect(NetlinkChanges([.links, .overrun]).description == "[links, overrun]")
        #expect(NetlinkChanges().description == "[]")
    }
}
