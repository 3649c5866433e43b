// SPDX-License-Identifier: Apache-2.0
public import FabricInventory
public import FabricOVSDB

/// Turns the facts the agent's services gather into versions of the host table and publishes them in the
/// ``TableStore``. The netlink watcher, the counter sampler, the OVSDB monitor and the reload service call
/// it; it owns the pure ``HostTableModel`` and runs on a thread of its own (a rebuild reads files and
/// takes milliseconds at 4,096 links), so the concurrency pool stays free for the HTTP requests. Each call
/// returns once its version, if the table changed, is published. Versions are published from this thread, in
/// order.
public actor HostTableUpdater {
    private var model: HostTableModel
    public let store: TableStore
    private var version: UInt64 = 0
    /// Moves each time the networks change (not with the table's version: they can change alone).
    private var networksRevision: UInt64 = 0
    private var publishedNetworks: HostNetworks?
    private let executor = DedicatedThreadExecutor(name: "fabric-table")

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init(builder: HostTableBuilder, ovsdbEndpoint: String, store: TableStore) {
        model = HostTableModel(builder: builder, ovsdbEndpoint: ovsdbEndpoint)
        self.store = store
    }

    deinit { executor.shutdown() }

    /// A fresh view of the links after a netlink change (or at start, or after an overrun).
    public func linksChanged(_ sample: HostTableBuilder.Sample) {
        let previous = model.table
        publish(model.linksChanged(sample), after: previous)
        model.releaseReplacedFacts()
    }

    /// A periodic counter sample: every row's statistics and rates, always a new version.
    public func countersSampled(_ reading: RateWindow.Reading) {
        let previous = model.table
        publish(model.countersSampled(reading), after: previous)
    }

    /// The OVS database's view; `nil` state with an unreachable status while disconnected.
    public func switchChanged(_ state: SwitchState?, status: HostTable.OVSDBStatus) {
        let previous = model.table
        publish(model.switchChanged(state, status: status), after: previous)
    }

    /// The provider's daemons, when their health changed.
    public func agentsChanged(_ agents: [ProviderAgent]) {
        let previous = model.table
        publish(model.agentsChanged(agents), after: previous)
    }

    /// OVN's southbound database and ovn-controller's health, as last read.
    public func ovnChanged(_ observation: OVNObservation?) {
        let previous = model.table
        publish(model.ovnChanged(observation), after: previous)
    }

    /// New file locations after a configuration reload.
    public func reconfigure(builder: HostTableBuilder) {
        let previous = model.table
        publish(model.reconfigure(builder: builder), after: previous)
    }

    private func publish(_ table: HostTable?, after previous: HostTable?) {
        guard let table else { return }
        var networks = model.networks
        // Every counter sample moves sampledAt; only another change makes the networks new to a stream.
        networks?.sampledAt = publishedNetworks?.sampledAt ?? 0
        if networks != publishedNetworks {
            networksRevision += 1
            publishedNetworks = networks
        }
        if model.onlyNetworksChanged, let current = store.publication {
            // The same table under the same version: streams send nothing for the table, only the networks to
            // those that asked for them.
            store.publish(
                current.table, networks: model.networks, version: current.version, changes: current.changes,
                networksVersion: networksRevision)
            return
        }
        version += 1
        // Only event streams read the changes. A link event's are known from the rows it rebuilt; otherwise,
        // without a stream, comparing 4,096 rows would be wasted.
        var changes: TableChanges?
        if store.hasListeners, let previous {
            changes = model.rowChanges.map { TableChanges(to: table, rows: $0, version: version) }
                ?? TableChanges(from: previous, to: table, version: version)
        }
        store.publish(
            table, networks: model.networks, version: version, changes: changes, networksVersion: networksRevision)
    }
}
