// SPDX-License-Identifier: Apache-2.0
// One snapshot of a network namespace (socket, link dump, address dump, classification) against
// `ip -d -j link show` plus `ip -j addr show` run back to back, interleaved in one run.
// Then the agent's model on one link event (link_event_median_ms) and the networks build inside it.
// Usage: inventory-bench NETNS [ITERATIONS]
import FabricAgentService
import FabricInventory
import FabricNetlink
internal import Glibc

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: inventory-bench NETNS [ITERATIONS]")
    exit(2)
}
let namespace = arguments[1]
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 30 : 30

func now() -> UInt64 { HostClock.monotonicNanoseconds() }

/// Runs a command with stdout and stderr on /dev/null and waits; posix_spawn, as a shell would.
func spawnAndWait(_ argv: [String]) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid = pid_t()
    guard posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ) == 0 else { return -1 }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return status
}

let builder = HostTableBuilder()
let ovsdb = HostTable.OVSDBStatus(endpoint: "unix:/nonexistent", reachable: false, error: "not asked")
var fabricTimes: [Double] = []
var buildTimes: [Double] = []
var ipTimes: [Double] = []
var links = 0
for iteration in 0..<(iterations + 2) {
    let start = now()
    let socket = try NetlinkSocket(networkNamespace: "/run/netns/\(namespace)")
    let sample = HostTableBuilder.Sample(snapshot: try socket.snapshot())
    let built = now()
    let table = builder.table(sample: sample, switchState: nil, ovsdb: ovsdb)
    let fabric = Double(now() - start) / 1e6
    let build = Double(now() - built) / 1e6
    links = table.interfaces.count

    let ipStart = now()
    let a = spawnAndWait(["/usr/sbin/ip", "-n", namespace, "-d", "-j", "link", "show"])
    let b = spawnAndWait(["/usr/sbin/ip", "-n", namespace, "-j", "addr", "show"])
    let ip = Double(now() - ipStart) / 1e6
    guard a == 0, b == 0 else {
        print("ip failed in namespace \(namespace)")
        exit(1)
    }
    if iteration >= 2 {  // the first two warm caches
        fabricTimes.append(fabric)
        buildTimes.append(build)
        ipTimes.append(ip)
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}
func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100).\(String(repeating: "0", count: hundredths % 100 < 10 ? 1 : 0))\(hundredths % 100)"
}
// The agent's path for one link event: the incremental model rebuild after one link's MTU moved, and the part
// of it that builds the networks; each iteration changes a different link.
var model = HostTableModel(builder: builder, ovsdbEndpoint: "unix:/nonexistent")
var sample = HostTableBuilder.Sample(snapshot: try NetlinkSocket(networkNamespace: "/run/netns/\(namespace)").snapshot())
_ = model.linksChanged(sample)
var eventTimes: [Double] = []
var networksTimes: [Double] = []
var tableTimes: [Double] = []
var changesTimes: [Double] = []
var benchReadings = HostTableBuilder.Readings()
for iteration in 0..<(iterations + 2) {
    let position = iteration % sample.snapshot.links.count
    sample.snapshot.links[position].mtu += 1
    let previous = model.table!
    let start = now()
    _ = model.linksChanged(sample)
    let event = Double(now() - start) / 1e6
    let table = model.table!
    let changesStart = now()
    let changes = TableChanges(from: previous, to: table, version: 2)
    changesTimes.append(Double(now() - changesStart) / 1e6)
    precondition(changes.changed.count == 1, "one link changed, \(changes.changed.count) rows in the changes")
    let tableStart = now()
    _ = builder.table(sample: sample, switchState: nil, ovsdb: ovsdb, readings: &benchReadings)
    tableTimes.append(Double(now() - tableStart) / 1e6)
    let networksStart = now()
    _ = HostNetworks(table: table, vdsm: VDSMNetworkConfig(), neutron: nil, switchState: nil)
    let networks = Double(now() - networksStart) / 1e6
    if iteration >= 2 {
        eventTimes.append(event)
        networksTimes.append(networks)
    }
}

let fabricMedian = percentile(fabricTimes, 0.5)
let ipMedian = percentile(ipTimes, 0.5)
print("links=\(links) iterations=\(iterations) snapshot_median_ms=\(format(fabricMedian)) snapshot_p95_ms=\(format(percentile(fabricTimes, 0.95))) build_median_ms=\(format(percentile(buildTimes, 0.5))) ip_median_ms=\(format(ipMedian)) ip_p95_ms=\(format(percentile(ipTimes, 0.95))) ratio=\(format(fabricMedian / ipMedian)) link_event_median_ms=\(format(percentile(eventTimes, 0.5))) networks_median_ms=\(format(percentile(networksTimes, 0.5))) table_only_median_ms=\(format(percentile(tableTimes, 0.5))) changes_median_ms=\(format(percentile(changesTimes, 0.5)))")
