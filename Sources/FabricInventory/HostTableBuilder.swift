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

    /// What one build read, for the next one: the configuration files with their stamps, every link as
    /// netlink showed it, and the sysfs facts of every link.
    public struct Readings: Sendable {
        var configuration: Configuration?
        var links: [Int32: Link]?
        var sysfs = SysfsReadings()

        public init() {}

        /// VDSM's network configuration as the last build read it.
        public var vdsm: VDSMNetworkConfig? { configuration?.vdsm }
        /// The Neutron agents' configuration as the last build read it.
        public var neutron: NeutronAgentConfig? { configuration?.neutron }

        /// The links that are new or differ (but for their counters) from the previous build's; `nil` (all)
        /// for the first build.
        mutating func changedLinks(in snapshot: NetlinkSnapshot) -> Set<Int32>? {
            guard var known = links else {
                links = Dictionary(snapshot.links.map { ($0.index, $0) }, uniquingKeysWith: { _, last in last })
                return nil
            }
            // Updated in place, not built again: a link event changes one or two of thousands. The links kept
            // for unchanged ones carry older counters, which the comparison ignores.
            links = nil
            var changed = Set<Int32>()
            for link in snapshot.links {
                if let before = known[link.index] {
                    var comparable = before
                    comparable.statistics = link.statistics
                    if comparable == link { continue }
                }
                changed.insert(link.index)
                known[link.index] = link
            }
            if known.count != snapshot.links.count {
                let present = Set(snapshot.links.map(\.index))
                known = known.filter { present.contains($0.key) }
                sysfs.keepOnly(present)
            }
            links = known
            return changed
        }
    }

    struct Configuration {
        var stamps: [String: FileStamp?]
        /// Whether a file was changed so recently that a later change could leave its stamp as it is.
        var racy: Bool
        var vdsm: VDSMNetworkConfig
        var neutron: NeutronAgentConfig
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

    /// The table for `sample`, re-reading only what may have changed since the build that left `readings`:
    /// the configuration files when their stamps moved, and the sysfs files of the sample's changed links.
    public func table(
        sample: Sample, switchState: SwitchState?, ovsdb: HostTable.OVSDBStatus,
        ovnNetworkByPortID: [String: String] = [:], readings: inout Readings
    ) -> HostTable {
        let configuration = configuration(reusing: readings.configuration)
        readings.configuration = configuration
        let vdsm = configuration.vdsm
        let neutron = configuration.neutron
        let builder = InventoryBuilder(
            sysfs: Sysfs(files: files), classifier: Classifier(
                vdsm: vdsm, neutron: neutron, switchState: switchState, ovnNetworkByPortID: ovnNetworkByPortID))
        let changed = readings.changedLinks(in: sample.snapshot)
        let rows = builder.rows(from: sample.snapshot, changedLinks: changed, readings: &readings.sysfs)
        var status = ovsdb
        status.ovnControlled = switchState?.isControlledByOVN
        status.hostExternalIDs = switchState.map { BindingHostIDs.sources(of: $0.externalIDs) }
        return HostTable(
            hostname: HostClock.hostname(), sampledAt: sample.wallTime, intervalSeconds: nil,
            sources: HostTable.Sources(ovsdb: status, vdsmConfig: vdsm.source, warnings: vdsm.warnings + neutron.warnings),
            interfaces: rows)
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
