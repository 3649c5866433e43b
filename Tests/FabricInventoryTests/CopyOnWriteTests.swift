// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
@testable import FabricInventory
import Foundation
import Testing

/// Rows keep their fields behind one shared reference; they must still behave as values.
@Suite struct CopyOnWriteTests {
    static let row = HostInterface(
        name: "eth0", index: 2, kind: .nic, mac: "52:54:00:12:34:56", mtu: 1500, master: "br0",
        statistics: LinkStatistics(rxBytes: 10))

    @Test func aChangedCopyLeavesTheOriginalAsItWas() {
        let original = Self.row
        var copy = original
        #expect(copy == original)
        copy.mtu = 9000
        copy.statistics.rxBytes += 1
        copy.addresses.append(.init(family: .ipv4, cidr: "192.0.2.1/24", scope: "universe", secondary: false))
        #expect(original.mtu == 1500)
        #expect(original.statistics.rxBytes == 10)
        #expect(original.addresses.isEmpty)
        #expect(copy.mtu == 9000 && copy.statistics.rxBytes == 11 && copy.addresses.count == 1)
        #expect(copy != original)
    }

    @Test func rowsInATableArrayAreIndependentValues() {
        var table = [Self.row, Self.row]
        let published = table
        table[0].name = "eth1"
        #expect(published[0].name == "eth0" && published[1].name == "eth0")
        #expect(table[0].name == "eth1" && table[1].name == "eth0")
    }

    @Test func equalFieldsInDifferentStorageAreEqualAndHashAlike() {
        let a = Self.row
        var b = Self.row
        b.mtu = 1500  // the write gives b storage of its own, with the same fields
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
    }

    @Test func theJSONIsTheFieldsAlone() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(Self.row), as: UTF8.self)
        #expect(
            json == #"{"addresses":[],"classification":{"fabric":"unclassified","reason":"not classified"},"index":2,"#
                + #""isUp":false,"kind":"nic","mac":"52:54:00:12:34:56","master":"br0","mtu":1500,"name":"eth0","#
                + #""operState":"UNKNOWN","#
                + #""statistics":{"rxBytes":10,"rxDropped":0,"rxErrors":0,"rxPackets":0,"txBytes":0,"txDropped":0,"#
                + #""txErrors":0,"txPackets":0}}"#)
        #expect(try JSONDecoder().decode(HostInterface.self, from: Data(json.utf8)) == Self.row)
    }
}
