// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricTestSupport
import Foundation
import Testing

private let benchmarkRequested: Bool = {
    let value = ProcessInfo.processInfo.environment["FABRIC_BENCH"]?.lowercased() ?? ""
    return ["1", "true", "y", "yes", "on"].contains(value)
}()

/// Not a test of speed (no thresholds: the build machines have 2 shared cores) but a figure to report:
/// `FABRIC_BENCH=1 swift test --filter NetlinkSnapshotBenchmark`.
@Suite("NetlinkSnapshotBenchmark", .serialized)
struct NetlinkSnapshotBenchmarkTests {
    @Test(
        "snapshot() vs ip -d -j link show + ip -j addr show with 4,096 links",
        .enabled(if: benchmarkRequested && NetworkNamespaceFixture.isSupported, "set FABRIC_BENCH=1 (needs root)"),
        .timeLimit(.minutes(5)))
    func snapshotAgainstIproute2() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fabric-nl-bench")
        defer { namespace.delete() }
        try namespace.ipBatch((0..<2048).map { "link add bv\($0) type veth peer name bw\($0)" })
        let socket = try NetlinkSocket(networkNamespace: namespace.path)
        let clock = ContinuousClock()
        let rounds = 7

        var ours: [Duration] = []
        var linkCount = 0
        for _ in 0..<rounds {
            var snapshot: NetlinkSnapshot?
            ours.append(try clock.measure { snapshot = try socket.snapshot() })
            linkCount = snapshot?.links.count ?? 0
        }
        var iproute: [Duration] = []
        var ipLinkCount = 0
        for _ in 0..<rounds {
            var links: [[String: Any]] = []
            iproute.append(
                try clock.measure {
                    links = try IPJSON.objects(namespace.ip("-d", "-j", "link", "show"))
                    _ = try namespace.ip("-j", "addr", "show")
                })
            ipLinkCount = links.count
        }
        var iprouteNoParse: [Duration] = []
        for _ in 0..<rounds {
            iprouteNoParse.append(
                try clock.measure {
                    _ = try namespace.ip("-d", "-j", "link", "show")
                    _ = try namespace.ip("-j", "addr", "show")
                })
        }
        #expect(linkCount == 4097)
        #expect(ipLinkCount == 4097)
        func median(_ values: [Duration]) -> String {
            let sorted = values.sorted()
            let value = sorted[sorted.count / 2]
            let (seconds, attoseconds) = value.components
            return String(format: "%.1f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
        }
        print("""
            FABRIC_BENCH links=\(linkCount) rounds=\(rounds) (median)
              NetlinkSocket.snapshot():                         \(median(ours))
              ip -d -j link show + ip -j addr show (spawn+read): \(median(iprouteNoParse))
              same + JSONSerialization of the link output:      \(median(iproute))
            """)
    }
}
