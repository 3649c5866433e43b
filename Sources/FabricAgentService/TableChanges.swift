// SPDX-License-Identifier: Apache-2.0
public import FabricInventory

/// The difference between two consecutive versions of the table: the `changes` event of `/v1/events`.
///
/// Applying it to version `base` gives version `version` exactly: replace the table's header fields
/// (`hostname`, `sampledAt`, `intervalSeconds`, `sources`) with these, drop the rows named in
/// `removed`, and put each row of `changed` in place of the row with its name (or add it); rows are
/// ordered by `index`. A link change is a few rows; a counter sample changes every row's statistics.
public struct TableChanges: Sendable, Hashable, Encodable {
    public static let schema = "fabric.host-interfaces.changes"

    public var schema = TableChanges.schema
    public var schemaVersion = 1
    /// The version these changes produce.
    public var version: UInt64
    /// The version they apply to (`version - 1`).
    public var base: UInt64
    public var hostname: String?
    public var sampledAt: Double
    public var intervalSeconds: Double?
    public var sources: HostTable.Sources
    /// Rows that are new or differ from `base`, whole, in `index` order.
    public var changed: [HostInterface]
    /// Names of rows of `base` that are gone (a renamed link is removed under its old name).
    public var removed: [String]

    /// What turns `old` (version `version - 1`) into `new`, comparing their rows.
    public init(from old: HostTable, to new: HostTable, version: UInt64) {
        self.init(to: new, rows: RowDifference(from: old.interfaces, to: new.interfaces), version: version)
    }

    /// The changes to `new` (version `version`) when the difference of its rows from the previous version's is
    /// already known.
    public init(to new: HostTable, rows: RowDifference, version: UInt64) {
        self.version = version
        base = version - 1
        hostname = new.hostname
        sampledAt = new.sampledAt
        intervalSeconds = new.intervalSeconds
        sources = new.sources
        changed = rows.changed
        removed = rows.removed
    }
}
