// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// The agent's host table as a pure function of the facts its services gather: the newest link snapshot,
/// the OVS database's view, the counter samples and where the host's files are. Each fact returns the new
/// table, or `nil` when the table did not change (or there is none yet, before the first snapshot).
///
/// Builds are incremental: the configuration files are parsed again only when they changed on disk, and a
/// link event builds only the rows of the links it can change (``HostTableBuilder/update(sample:switchState:ovsdb:ovnNetworkByPortID:readings:)``)
/// and re-reads only the changed links' sysfs files (``HostTableBuilder/Readings``). Statistics and
/// rates move only with counter samples, so a fact that only carried newer counters changes nothing; a
/// counter sample refreshes the statistics and rates of the rows it has, with no rebuild.
public struct HostTableModel: Sendable {
    public private(set) var builder: HostTableBuilder
    public private(set) var table: HostTable?
    private var sample: HostTableBuilder.Sample?
    private var replacedSample: HostTableBuilder.Sample?
    private var switchState: SwitchState?
    private var ovsdbStatus: HostTable.OVSDBStatus
    private var ovn: OVNObservation?
    /// The two most recent counter samples; rates are computed between them so that link events in
    /// between do not shorten the interval.
    private var rates = RateWindow()
    private var readings = HostTableBuilder.Readings()
    private var agents: [ProviderAgent] = []
    /// The provider vNIC ports seen so far, with their tap's ifindex (``ProviderPort/remembering(_:in:)``).
    private var rememberedPorts: [String: ProviderPort.Remembered] = [:]

    /// The networks of the current table (``HostNetworks``), from the same build.
    public private(set) var networks: HostNetworks?
    /// Whether the last fact that returned a table changed only the networks (a daemon's health, OVN, a tunnel), the
    /// table itself being the same: the table's version need not move, only the networks'.
    public private(set) var onlyNetworksChanged = false
    /// How the rows of the last table returned differ from those of the table before it, when a link event
    /// rebuilt only some rows and the difference is known without comparing every row; `nil` otherwise.
    public private(set) var rowChanges: RowDifference?

    public init(builder: HostTableBuilder, ovsdbEndpoint: String) {
        self.builder = builder
        ovsdbStatus = HostTable.OVSDBStatus(endpoint: ovsdbEndpoint, reachable: false, error: "not connected yet")
    }

    /// A fresh view of the links after a netlink change (or at start, or after an overrun).
    public mutating func linksChanged(_ sample: HostTableBuilder.Sample) -> HostTable? {
        // The previous view (thousands of links) is freed when its last holder lets go; it is kept until the
        // caller has published the new table (``releaseReplacedFacts()``), so that freeing it is not part of an
        // event's latency.
        replacedSample = self.sample
        self.sample = sample
        return rebuild()
    }

    /// Lets go of the facts the last call replaced (see ``linksChanged(_:)``).
    public mutating func releaseReplacedFacts() {
        replacedSample = nil
    }

    /// A periodic counter sample: moves the rate window; the table always changes (its sampling time).
    public mutating func countersSampled(_ reading: RateWindow.Reading) -> HostTable? {
        rates.add(reading)
        // Until the first snapshot there is no table to refresh. Links the reading has that the table lacks
        // (or the reverse) arrive with the watcher's events.
        guard var table else { return nil }
        onlyNetworksChanged = false
        rowChanges = nil
        rates.apply(to: &table)
        table.sampledAt = reading.wallTime
        self.table = table
        networks?.sampledAt = reading.wallTime
        return table
    }

    /// The OVS database's view; `nil` state with an unreachable status while disconnected.
    public mutating func switchChanged(_ state: SwitchState?, status: HostTable.OVSDBStatus) -> HostTable? {
        switchState = state
        ovsdbStatus = status
        return rebuild()
    }

    /// The provider's daemons, when their health changed: a new version of the networks, the table unchanged.
    public mutating func agentsChanged(_ agents: [ProviderAgent]) -> HostTable? {
        self.agents = agents
        // No row depends on a daemon's health: only the networks are built again.
        guard let table else { return nil }
        let rebuiltNetworks = networks(of: table)
        if networks == rebuiltNetworks { return nil }
        networks = rebuiltNetworks
        onlyNetworksChanged = true
        rowChanges = RowDifference(changed: [], removed: [])
        return table
    }

    /// What OVN's southbound database and ovn-controller say now.
    public mutating func ovnChanged(_ observation: OVNObservation?) -> HostTable? {
        ovn = observation
        return rebuild()
    }

    /// New file locations after a configuration reload: nothing read before is kept.
    public mutating func reconfigure(builder: HostTableBuilder) -> HostTable? {
        self.builder = builder
        readings = HostTableBuilder.Readings()
        return rebuild()
    }

    private mutating func rebuild() -> HostTable? {
        guard let sample else { return nil }
        let ovnView = switchState.flatMap { OVNHostView(switchState: $0, observation: ovn) }
        var update = builder.update(
            sample: sample, switchState: switchState, ovsdb: ovsdbStatus,
            ovnNetworkByPortID: ovnView?.networkNameByPortID ?? [:], readings: &readings)
        // Counters move only with counter samples: the watcher's copy of a link carries the counters of its
        // last notification (or of the first dump), older than any sample. Links not sampled yet keep those.
        rates.apply(to: &update.table)
        var rebuilt = update.table
        var difference: RowDifference?
        if let rebuiltLinks = update.rebuilt, let table {
            // Only some rows were built: the others are the current table's, counters and rates included.
            let merged = Self.merge(update.table.interfaces, into: table.interfaces, replacing: rebuiltLinks)
            rebuilt.interfaces = merged.rows
            difference = RowDifference(from: merged.replaced, to: update.table.interfaces)
        }
        // A network's configuration can change without any row changing (a new MTU in VDSM's file).
        if let table, table.sources == rebuilt.sources, difference?.isEmpty ?? (table.interfaces == rebuilt.interfaces) {
            let rebuiltNetworks = networks(of: table)
            if networks == rebuiltNetworks { return nil }
            networks = rebuiltNetworks
            onlyNetworksChanged = true
            rowChanges = RowDifference(changed: [], removed: [])
            return table
        }
        onlyNetworksChanged = false
        rowChanges = difference
        table = rebuilt
        networks = networks(of: rebuilt)
        return rebuilt
    }

    /// `rows` (in ifindex order) in place of the rows of `current` whose ifindex is in `replacing`: the table's
    /// rows, and the rows they replace.
    static func merge(
        _ rows: [HostInterface], into current: [HostInterface], replacing: Set<Int32>
    ) -> (rows: [HostInterface], replaced: [HostInterface]) {
        var merged: [HostInterface] = []
        merged.reserveCapacity(current.count + rows.count)
        var replaced: [HostInterface] = []
        var next = rows.startIndex
        for row in current {
            while next < rows.endIndex, rows[next].index < row.index {
                merged.append(rows[next])
                next += 1
            }
            if replacing.contains(row.index) {
                replaced.append(row)
            } else {
                merged.append(row)
            }
        }
        merged.append(contentsOf: rows[next...])
        return (merged, replaced)
    }

    /// The networks of `table`, from the configuration the last build read and the other facts, stamped
    /// with the table's sampling time.
    private mutating func networks(of table: HostTable) -> HostNetworks {
        var built = HostNetworks(
            table: table, vdsm: readings.vdsm ?? VDSMNetworkConfig(), neutron: readings.neutron,
            switchState: switchState, agents: agents, ovn: ovn)
        if switchState != nil {
            built.providerPorts = ProviderPort.remembering(built.providerPorts, in: table, memory: &rememberedPorts)
        }
        built.sampledAt = table.sampledAt
        return built
    }
}
