// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink
public import FabricOVSDB
internal import FabricPOSIX

/// Builds the structure of the host table from a snapshot: reads the VDSM and Neutron configuration (small
/// files, read on every build so changes show without a restart) and classifies. Rates are ``RateWindow``'s.
public struct HostTableBuilder: Sendable {
    public var files: HostFiles
    public var ovsAgentConfigPath: String
    public var linuxBridgeAgentConfigPath: String

    public init(
        files: HostFiles = HostFiles(), ovsAgentConfigPath: String = NeutronAgentConfig.defaultOVSAgentPath,
        linuxBridgeAgentConfigPath: String = NeutronAgentConfig.defaultLinuxBridgeAgentPath
    ) {
        self.files = files
        self.ovsAgentConfigPath = ovsAgentConfigPath
        self.linuxBridgeAgentConfigPath = linuxBridgeAgentConfigPath
    }

    /// One sample: a snapshot and the monotonic time it was taken at.
    public struct Sample: Sendable {
        public var snapshot: NetlinkSnapshot
        /// `CLOCK_MONOTONIC`, nanoseconds.
        public var monotonicTime: UInt64
        /// Seconds since the Unix epoch.
        public var wallTime: Double

        public init(snapshot: NetlinkSnapshot, monotonicTime: UInt64 = HostClock.monotonicNanoseconds(),
                    wallTime: Double = HostClock.wallSeconds()) {
            self.snapshot = snapshot
            self.monotonicTime = monotonicTime
            self.wallTime = wallTime
        }
    }

    /// What one build read, for the next one: the configuration files with their stamps, every link and address
    /// as netlink showed them, the sysfs facts of every link, and the classifier with what it was made from.
    public struct Readings: Sendable {
        var configuration: Configuration?
        /// In ifindex order.
        var links: [Link]?
        var addresses: [InterfaceAddress] = []
        var sysfs = SysfsReadings()
        var context: RowContext?

        public init() {}

        /// VDSM's network configuration as the last build read it.
        public var vdsm: VDSMNetworkConfig? { configuration?.vdsm }
        /// The Neutron agents' configuration as the last build read it.
        public var neutron: NeutronAgentConfig? { configuration?.neutron }

        /// The links that are new, gone or differ (but for their counters) from the previous build's, with the
        /// previous build's version of those that were there; `nil` (all) for the first build.
        mutating func linkDelta(in snapshot: NetlinkSnapshot) -> LinkDelta? {
            // A dump and the watcher's copy are in ifindex order; anything else is sorted once here.
            let now = snapshot.links.isInIndexOrder ? snapshot.links : snapshot.links.sorted { $0.index < $1.index }
            defer { links = now }
            guard let previous = links else { return nil }
            // Both in ifindex order: walked side by side, no hashing, through buffer pointers so that no link is
            // copied. A link event changes one or two of thousands, and the links of the watcher's copy that it
            // did not touch are the same values.
            var delta = LinkDelta()
            var gone: [Int32] = []
            previous.withUnsafeBufferPointer { before in
                now.withUnsafeBufferPointer { now in
                    var i = 0
                    var j = 0
                    while i < before.count || j < now.count {
                        if j == now.count || (i < before.count && before[i].index < now[j].index) {
                            gone.append(before[i].index)
                            delta.previous[before[i].index] = before[i]
                            i += 1
                        } else if i == before.count || now[j].index < before[i].index {
                            delta.touched.insert(now[j].index)
                            j += 1
                        } else {
                            if !Self.sameButForCounters(before[i], now[j]) {
                                delta.touched.insert(now[j].index)
                                delta.previous[now[j].index] = before[i]
                            }
                            i += 1
                            j += 1
                        }
                    }
                }
            }
            delta.touched.formUnion(gone)
            if !gone.isEmpty { sysfs.forget(gone) }
            return delta
        }

        static func sameButForCounters(_ a: Link, _ b: Link) -> Bool {
            if a == b { return true }
            var comparable = a
            comparable.statistics = b.statistics
            return comparable == b
        }

        /// The links whose addresses differ from the previous build's.
        mutating func linksWithChangedAddresses(in snapshot: NetlinkSnapshot) -> Set<Int32> {
            // The watcher hands on the same array while no address changed: then this is one comparison.
            guard addresses != snapshot.addresses else { return [] }
            let before = Dictionary(grouping: addresses, by: \.linkIndex)
            let after = Dictionary(grouping: snapshot.addresses, by: \.linkIndex)
            addresses = snapshot.addresses
            return Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
        }
    }

    /// How the links of a snapshot differ from the previous build's.
    struct LinkDelta {
        /// New, changed and gone links.
        var touched = Set<Int32>()
        /// The previous version of the changed and gone ones.
        var previous: [Int32: Link] = [:]
    }

    struct Configuration {
        var stamps: [String: FileStamp?]
        /// Whether a file was changed so recently that a later change could leave its stamp as it is.
        var racy: Bool
        var vdsm: VDSMNetworkConfig
        var neutron: NeutronAgentConfig
    }

    /// What every row's classification depends on beyond the links: rows built with one context are kept only
    /// while it stays the same.
    struct RowContext {
        var stamps: [String: FileStamp?]
        var switchState: SwitchState?
        var ovnNetworkByPortID: [String: String]
        var classifier: Classifier

        func matches(_ configuration: Configuration, _ switchState: SwitchState?, _ ovnNetworkByPortID: [String: String]) -> Bool {
            !configuration.racy && stamps == configuration.stamps && self.switchState == switchState
                && self.ovnNetworkByPortID == ovnNetworkByPortID
        }
    }

    /// The table for `sample`, without rates.
    /// - Parameters:
    ///   - switchState: the OVS database's view, or `nil` when it could not be read (`ovsdb` says why).
    ///   - ovnNetworkByPortID: the OVN network of each logical port, for the Network Name of OVN vNICs.
    public func table(
        sample: Sample, switchState: SwitchState?, ovsdb: HostTable.OVSDBStatus,
        ovnNetworkByPortID: [String: String] = [:]
    ) -> HostTable {
        var readings = Readings()
        return table(
            sample: sample, switchState: switchState, ovsdb: ovsdb, ovnNetworkByPortID: ovnNetworkByPortID,
            readings: &readings)
    }

    /// The table for `sample` with every row, re-reading only what may have changed since the build that left
    /// `readings`: the configuration files when their stamps moved, and the sysfs files of the sample's changed
    /// links.
    public func table(
        sample: Sample, switchState: SwitchState?, ovsdb: HostTable.OVSDBStatus,
        ovnNetworkByPortID: [String: String] = [:], readings: inout Readings
    ) -> HostTable {
        build(
            sample: sample, switchState: switchState, ovsdb: ovsdb, ovnNetworkByPortID: ovnNetworkByPortID,
            readings: &readings, everyRow: true
        ).table
    }

    /// The rows a sample changes since the build that left `readings`, without rates.
    public struct RowUpdate: Sendable {
        /// The table; when ``rebuilt`` is set, its `interfaces` are only the rebuilt rows, in ifindex order.
        public var table: HostTable
        /// The ifindexes whose rows were built again, those of links that are gone included: every other row is
        /// as the previous build made it. `nil` when every row was built (the first build, a new configuration,
        /// a new view of the switch or of OVN).
        public var rebuilt: Set<Int32>?
    }

    /// Builds only the rows of the links in a component with a link that changed, appeared or vanished, or whose
    /// addresses changed, since the build that left `readings` (``LinkComponents``), and of the bonds, whose
    /// sysfs options move without a link message. Every row when anything else changed.
    public func update(
        sample: Sample, switchState: SwitchState?, ovsdb: HostTable.OVSDBStatus,
        ovnNetworkByPortID: [String: String] = [:], readings: inout Readings
    ) -> RowUpdate {
        build(
            sample: sample, switchState: switchState, ovsdb: ovsdb, ovnNetworkByPortID: ovnNetworkByPortID,
            readings: &readings, everyRow: false)
    }

    private func build(
        sample: Sample, switchState: SwitchState?, ovsdb: HostTable.OVSDBStatus,
        ovnNetworkByPortID: [String: String], readings: inout Readings, everyRow: Bool
    ) -> RowUpdate {
        let configuration = configuration(reusing: readings.configuration)
        readings.configuration = configuration
        let vdsm = configuration.vdsm
        let neutron = configuration.neutron
        let sameContext = readings.context?.matches(configuration, switchState, ovnNetworkByPortID) ?? false
        let classifier: Classifier
        if sameContext, let context = readings.context {
            classifier = context.classifier
        } else {
            classifier = Classifier(
                vdsm: vdsm, neutron: neutron, switchState: switchState, ovnNetworkByPortID: ovnNetworkByPortID)
            readings.context = RowContext(
                stamps: configuration.stamps, switchState: switchState, ovnNetworkByPortID: ovnNetworkByPortID,
                classifier: classifier)
        }
        let builder = InventoryBuilder(sysfs: Sysfs(files: files), classifier: classifier)
        let delta = readings.linkDelta(in: sample.snapshot)
        let addressesChanged = readings.linksWithChangedAddresses(in: sample.snapshot)
        var rebuilt: Set<Int32>?
        let rows: [HostInterface]
        if !everyRow, sameContext, let delta {
            var touched = delta.touched.union(addressesChanged)
            sample.snapshot.links.withUnsafeBufferPointer { links in
                for position in links.indices where links[position].kind == .bond { touched.insert(links[position].index) }
            }
            let affected = LinkComponents.closure(of: touched, in: sample.snapshot.links, previous: delta.previous)
            let part = NetlinkSnapshot(
                links: sample.snapshot.links.filter { affected.contains($0.index) },
                addresses: sample.snapshot.addresses.filter { affected.contains($0.linkIndex) })
            rows = builder.rows(from: part, changedLinks: delta.touched, readings: &readings.sysfs)
            rebuilt = affected
        } else {
            rows = builder.rows(from: sample.snapshot, changedLinks: delta?.touched, readings: &readings.sysfs)
        }
        var status = ovsdb
        status.ovnControlled = switchState?.isControlledByOVN
        status.hostExternalIDs = switchState.map { BindingHostIDs.sources(of: $0.externalIDs) }
        let table = HostTable(
            hostname: HostClock.hostname(), sampledAt: sample.wallTime, intervalSeconds: nil,
            sources: HostTable.Sources(ovsdb: status, vdsmConfig: vdsm.source, warnings: vdsm.warnings + neutron.warnings),
            interfaces: rows)
        return RowUpdate(table: table, rebuilt: rebuilt)
    }
}

extension HostTableBuilder {
    /// The VDSM and Neutron configuration, parsed again only when one of its files or folders changed on
    /// disk: a few `stat`s per build instead of reading and parsing every file.
    func configuration(reusing previous: Configuration?) -> Configuration {
        let stamps = configurationStamps()
        if let previous, !previous.racy, previous.stamps == stamps { return previous }
        // A file changed again within the file system's timestamp granularity (a few milliseconds) can keep
        // its stamp: what was read just after a recent change is read again next time, as git does.
        let recent = Int64(HostClock.wallSeconds()) - 2
        let racy = stamps.values.contains { $0.map { $0.modified[0] >= recent || $0.changed[0] >= recent } ?? false }
        return Configuration(
            stamps: stamps, racy: racy, vdsm: VDSMNetworkConfig.load(files: files),
            neutron: NeutronAgentConfig.load(
                files: files, ovsAgentPath: ovsAgentConfigPath, linuxBridgeAgentPath: linuxBridgeAgentConfigPath))
    }

    /// Every path the configuration is read from, VDSM's folders and their entries included.
    func configurationStamps() -> [String: FileStamp?] {
        var stamps: [String: FileStamp?] = [:]
        for tree in [VDSMNetworkConfig.runningTree, VDSMNetworkConfig.persistedTree] {
            for folder in ["\(tree)/nets", "\(tree)/bonds"] {
                stamps[folder] = files.stamp(folder)
                for name in files.list(folder) ?? [] { stamps["\(folder)/\(name)"] = files.stamp("\(folder)/\(name)") }
            }
        }
        stamps[ovsAgentConfigPath] = files.stamp(ovsAgentConfigPath)
        stamps[linuxBridgeAgentConfigPath] = files.stamp(linuxBridgeAgentConfigPath)
        return stamps
    }
}

/// The clocks and host name the table is stamped with.
public enum HostClock {
    public static func monotonicNanoseconds() -> UInt64 { SystemClock.monotonicNanoseconds() }

    public static func wallSeconds() -> Double { SystemClock.wallSeconds() }

    public static func hostname() -> String? { HostSystem.hostname() }
}
