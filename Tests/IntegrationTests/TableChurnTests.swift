// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import FabricTestSupport
import Foundation
import Testing

/// The whole table (snapshot, sysfs reads, classification, rates) while links come and go: 200 tables,
/// none failing, each consistent with itself.
@Suite struct TableChurnTests {
    @Test(.enabled(if: NetworkNamespaceFixture.isSupported, "needs root and iproute2"))
    func twoHundredTablesUnderLinkChurnAreSelfConsistent() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fabric-churn")
        defer { namespace.delete() }
        try namespace.ipBatch([
            "link add keep0 type veth peer name keep1", "link add keepbr type bridge", "link set keep1 master keepbr",
            "link add brq0badc0de-00 type bridge", "addr add 203.0.113.1/24 dev keep0", "link set keep0 up",
        ])
        let name = namespace.name
        let churn = try BackgroundProcess("sh", ["-c", """
            i=0
            while :; do
              ip -n \(name) link add c$i type veth peer name d$i
              ip -n \(name) link add b$i type bridge
              ip -n \(name) link set c$i master b$i
              ip -n \(name) link set d$i master brq0badc0de-00
              ip -n \(name) addr add 10.9.$i.1/24 dev c$i
              ip -n \(name) link set c$i up
              ip -n \(name) link del b$i
              ip -n \(name) link del c$i
              i=$(( (i + 1) % 20 ))
            done
            """])
        defer { churn.stop() }

        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        let builder = HostTableBuilder(files: HostFiles(root: "/nonexistent-fabric-root"))
        let ovsdb = HostTable.OVSDBStatus(endpoint: "unix:/nonexistent", reachable: false)
        var earlier = HostTableBuilder.Sample(snapshot: try socket.snapshot())
        var sawChurn = 0
        for _ in 0..<200 {
            Thread.sleep(forTimeInterval: 0.003)
            let sample = HostTableBuilder.Sample(snapshot: try socket.snapshot())
            var table = builder.table(sample: sample, switchState: nil, ovsdb: ovsdb)
            var window = RateWindow()
            window.add(RateWindow.Reading(earlier))
            window.add(RateWindow.Reading(sample))
            window.apply(to: &table)
            earlier = sample

            let names = table.interfaces.map(\.name)
            #expect(Set(names).count == names.count, "unique names")
            #expect(Set(table.interfaces.map(\.index)).count == names.count, "unique ifindexes")
            let rows = Dictionary(uniqueKeysWithValues: table.interfaces.map { ($0.name, $0) })
            for row in table.interfaces {
                for port in row.bridgePorts ?? [] { #expect(rows[port]?.master == row.name, "\(port) of \(row.name)") }
                if let peer = row.peer { #expect(rows[peer] != nil, "peer \(peer) of \(row.name)") }
                if let rates = row.rates, let rx = rates.rxMbps { #expect(rx >= 0 && rx < 100_000) }
            }
            #expect(rows["keep0"]?.primaryAddress == "203.0.113.1/24")
            #expect(rows["keep1"]?.master == "keepbr")
            #expect(rows["brq0badc0de-00"]?.classification.fabric == .linuxBridge)
            if names.contains(where: { $0.hasPrefix("c") || $0.hasPrefix("d") }) { sawChurn += 1 }
            for row in table.interfaces where row.master == "brq0badc0de-00" {
                #expect(row.classification.fabric == .linuxBridge, "\(row.name) on a brq bridge")
            }
        }
        #expect(sawChurn > 20, "the churn was visible in \(sawChurn) of 200 tables")
    }
}
