// SPDX-License-Identifier: Apache-2.0

/// The fabric-aware host interface table as a document: the JSON printed by `fabric-agent show --json`
/// and served by the agent. Versioned; see docs/host-table-schema.md.
public struct HostTable: Sendable, Hashable, Codable {
    public static let schemaName = "fabric.host-interfaces"
    public static let currentVersion = 1

    public var schema: String
    public var schemaVersion: Int
    public var hostname: String?
    /// Wall-clock time of the (last) sample, seconds since the Unix epoch.
    public var sampledAt: Double
    /// Seconds between the two samples the rates come from; absent for a single snapshot.
    public var intervalSeconds: Double?
    public var sources: Sources
    public var interfaces: [HostInterface]

    public init(
        hostname: String?, sampledAt: Double, intervalSeconds: Double?, sources: Sources, interfaces: [HostInterface]
    ) {
        self.schema = Self.schemaName
        self.schemaVersion = Self.currentVersion
        self.hostname = hostname
        self.sampledAt = sampledAt
        self.intervalSeconds = intervalSeconds
        self.sources = sources
        self.interfaces = interfaces
    }

    /// Where the table's facts came from, and what could not be read.
    public struct Sources: Sendable, Hashable, Codable {
        public var ovsdb: OVSDBStatus
        /// The VDSM netconf tree used, absent when VDSM has no network configuration here.
        public var vdsmConfig: String?
        /// Configuration that could not be used (unreadable VDSM files, malformed mappings).
        public var warnings: [String]

        public init(ovsdb: OVSDBStatus, vdsmConfig: String?, warnings: [String]) {
            self.ovsdb = ovsdb
            self.vdsmConfig = vdsmConfig
            self.warnings = warnings
        }
    }

    public struct OVSDBStatus: Sendable, Hashable, Codable {
        public var endpoint: String
        public var reachable: Bool
        /// Why it could not be read; OVS membership is then unknown.
        public var error: String?
        public var ovnControlled: Bool?
        /// The `Open_vSwitch.external_ids` that name this host to providers (``BindingHostIDs/sourceKeys``):
        /// `system-id`, `hostname`, `odl_os_hostconfig_hostid`, those that are set. Absent when OVS was not read.
        public var hostExternalIDs: [String: String]?

        public init(
            endpoint: String, reachable: Bool, error: String? = nil, ovnControlled: Bool? = nil,
            hostExternalIDs: [String: String]? = nil
        ) {
            self.endpoint = endpoint
            self.reachable = reachable
            self.error = error
            self.ovnControlled = ovnControlled
            self.hostExternalIDs = hostExternalIDs
        }
    }
}
