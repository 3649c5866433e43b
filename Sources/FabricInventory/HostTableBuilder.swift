// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink
public import FabricOVSDB
#if canImport(Glibc)
import Glibc
#endif

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

    /// The table for `sample`, without rates.
    /// - Parameters:
    ///   - switchState: the OVS database's view, or `nil` when it could not be read (`ovsdb` says why).
    public func table(sample: Sample, switchState: SwitchState?, ovsdb: HostTable.OVSDBStatus) -> HostTable {
        let vdsm = VDSMNetworkConfig.load(files: files)
        let neutron = NeutronAgentConfig.load(
            files: files, ovsAgentPath: ovsAgentConfigPath, linuxBridgeAgentPath: linuxBridgeAgentConfigPath)
        let builder = InventoryBuilder(
            sysfs: Sysfs(files: files), classifier: Classifier(vdsm: vdsm, neutron: neutron, switchState: switchState))
        let rows = builder.rows(from: sample.snapshot)
        var status = ovsdb
        status.ovnControlled = switchState?.isControlledByOVN
        status.hostExternalIDs = switchState.map { BindingHostIDs.sources(of: $0.externalIDs) }
        return HostTable(
            hostname: HostClock.hostname(), sampledAt: sample.wallTime, intervalSeconds: nil,
            sources: HostTable.Sources(ovsdb: status, vdsmConfig: vdsm.source, warnings: vdsm.warnings + neutron.warnings),
            interfaces: rows)
    }
}

/// The clocks and host name the table is stamped with.
public enum HostClock {
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    public static func wallSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    public static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
