// SPDX-License-Identifier: Apache-2.0
@testable import FabricAgentService
import FabricInventory
import FabricNetlink
import NIOCore
import Testing

@Suite struct CompactJSONTests {
    static let ovsdb = HostTable.OVSDBStatus(endpoint: "unix:/nonexistent.sock", reachable: false, error: "down")

    @Test func rowByRowEncodingIsByteForByteTheWholeEncoding() throws {
        var sample = TableStoreTests.sample([("d0", 1), ("d1", 2), ("e\"3", 3)], second: 1)
        sample.snapshot.addresses = [
            InterfaceAddress(linkIndex: 1, family: .ipv4, address: "192.0.2.1", prefixLength: 24),
            InterfaceAddress(linkIndex: 2, family: .ipv6, address: "2001:db8::1", prefixLength: 64),
        ]
        var table = TableStoreTests.builder.table(sample: sample, switchState: nil, ovsdb: Self.ovsdb)
        // The splice marker inside strings must not confuse it: there, quotes are escaped.
        table.sources.warnings = [#"a warning that says "interfaces":[] on purpose"#]
        table.hostname = #"host "interfaces":[]"#
        #expect(Array(CompactJSON.encodeTable(table).readableBytesView) == CompactJSON.encode(table))

        table.interfaces = []
        #expect(Array(CompactJSON.encodeTable(table).readableBytesView) == CompactJSON.encode(table))
    }

    @Test func theMachinesOwnTableEncodesTheSameBothWays() throws {
        let socket = try NetlinkSocket()
        let table = HostTableBuilder().table(
            sample: HostTableBuilder.Sample(snapshot: try socket.snapshot()), switchState: nil,
            ovsdb: Self.ovsdb)
        #expect(!table.interfaces.isEmpty)
        #expect(Array(CompactJSON.encodeTable(table).readableBytesView) == CompactJSON.encode(table))
    }
}
