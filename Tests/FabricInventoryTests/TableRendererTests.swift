// SPDX-License-Identifier: Apache-2.0
@testable import FabricInventory
import FabricNetlink
import Foundation
import Testing

@Suite struct TableRendererTests {
    func table(rates: Bool, ovsdbReachable: Bool = true) -> HostTable {
        var vnic = HostInterface(name: "tap8f14e45f-ce", index: 11, kind: .tap, mac: "56:6f:1a:2b:00:07",
                                 statistics: LinkStatistics(rxDropped: 4, txDropped: 1))
        vnic.classification = Classification(fabric: .ovn, networkName: "net-a", reason: "test")
        if rates { vnic.rates = .init(rxMbps: 1234.4, txMbps: 0.04, droppedPackets: 3, intervalSeconds: 1) }
        var nic = HostInterface(name: "eno1", index: 2, kind: .nic, mac: "3c:fd:fe:10:20:30", speedMbps: 10000,
                                primaryAddress: "10.0.0.2/24", bond: "bond0")
        nic.classification = Classification(fabric: .vdsm, networkName: "ovirtmgmt", reason: "test")
        if rates { nic.rates = .init(rxMbps: 0, txMbps: nil, droppedPackets: nil, intervalSeconds: 1) }
        return HostTable(
            hostname: "h", sampledAt: 0, intervalSeconds: rates ? 1 : nil,
            sources: .init(ovsdb: .init(endpoint: "unix:/run/openvswitch/db.sock", reachable: ovsdbReachable,
                                        error: ovsdbReachable ? nil : "Open vSwitch database is not reachable at unix:/run/openvswitch/db.sock: No such file or directory"),
                           vdsmConfig: nil, warnings: []),
            interfaces: [nic, vnic])
    }

    @Test func columnsAreTheSeedsAndCellsAreAligned() {
        let lines = TableRenderer.render(table(rates: true)).split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("Name"))
        for header in TableRenderer.headers { #expect(lines[0].contains(header)) }
        #expect(lines[2].contains("10.0.0.2/24"))
        #expect(lines[2].contains("VDSM"))
        #expect(lines[3].contains("OVN"))
        #expect(lines[3].contains("1234"))
        #expect(lines[3].contains("<0.1"))
        // Every column starts at the same offset in every row: "Fabric" lines up with "VDSM" and "OVN".
        let fabricColumn = lines[0].range(of: "Fabric")!.lowerBound.utf16Offset(in: lines[0])
        #expect(lines[2].range(of: "VDSM")!.lowerBound.utf16Offset(in: lines[2]) == fabricColumn)
        #expect(lines[3].range(of: "OVN")!.lowerBound.utf16Offset(in: lines[3]) == fabricColumn)
    }

    /// Widths are counted in Characters for a cell that is not ASCII, right-aligned cells are padded on the left,
    /// and no line ends in spaces.
    @Test func columnsAlignAcrossNonASCIICellsWithoutTrailingSpaces() {
        let lines = TextColumns.lines(
            header: ["Name", "Speed", "Note"], rows: [["caf\u{E9}0", "100", ""], ["eth10", "25000", "x"]],
            rightAligned: [1])
        #expect(lines == [
            "Name   Speed  Note",
            "-----  -----  ----",
            "caf\u{E9}0    100",
            "eth10  25000  x",
        ])
    }

    @Test func aSingleSnapshotShowsCumulativeDropsAndNoRates() {
        let text = TableRenderer.render(table(rates: false))
        #expect(text.contains("Drops (total)"))
        let vnicLine = text.split(separator: "\n").first { $0.hasPrefix("tap8f14e45f-ce") }!
        #expect(vnicLine.contains(" 5 "), "4 rx + 1 tx dropped packets")
        #expect(text.contains("single snapshot"))
    }

    @Test func anUnreachableOVSDBIsSaid() {
        let text = TableRenderer.render(table(rates: true, ovsdbReachable: false))
        #expect(text.contains("note: OVS membership is unknown: Open vSwitch database is not reachable at unix:/run/openvswitch/db.sock: No such file or directory."))
    }

    @Test(arguments: [(nil, "-"), (0, "0"), (0.05, "<0.1"), (0.15, "0.2"), (9.94, "9.9"), (10.4, "10"), (9999.6, "10000")]
          as [(Double?, String)])
    func ratesAreFormattedForPeople(mbps: Double?, text: String) {
        #expect(TableRenderer.formatRate(mbps) == text)
    }
}
