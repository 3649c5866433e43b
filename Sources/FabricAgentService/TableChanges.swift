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

    /// What turns `old` (version `version - 1`) into `new`.
    public init(from old: HostTable, to new: HostTable, version: UInt64) {
        self.version = version
        base = version - 1
        hostname = new.hostname
        sampledAt = new.sampledAt
        intervalSeconds = new.intervalSeconds
        sources = new.sources
        (changed, removed) = Self.difference(old.interfaces, new.interfaces)
    }

    /// The rows of `new` that are not in `old` or differ (by name, in `new`'s order) and the names of the rows of
    /// `old` that are gone (in `old`'s order). Both tables are in ifindex order and a change touches a few rows,
    /// so the rows are walked side by side and compared where they stand; only rows that do not line up (added,
    /// removed, renamed) are matched by name.
    static func difference(_ old: [HostInterface], _ new: [HostInterface]) -> (changed: [HostInterface], removed: [String]) {
        var changedPositions: [Int] = []
        var unmatchedOld: [String: Int] = [:]
        var unmatchedNew: [Int] = []
        var i = 0
        var j = 0
        while i < old.count, j < new.count {
            if old[i].name == new[j].name {
                if old[i] != new[j] { changedPositions.append(j) }
                i += 1
                j += 1
            } else if old[i].index < new[j].index {
                unmatchedOld[old[i].name] = i
                i += 1
            } else if old[i].index > new[j].index {
                unmatchedNew.append(j)
                j += 1
            } else {
                unmatchedOld[old[i].name] = i
                unmatchedNew.append(j)
                i += 1
                j += 1
            }
        }
        while i < old.count {
            unmatchedOld[old[i].name] = i
            i += 1
        }
        unmatchedNew.append(contentsOf: j..<new.count)
        for position in unmatchedNew {
            if let before = unmatchedOld.removeValue(forKey: new[position].name), old[before] == new[position] { continue }
            changedPositions.append(position)
        }
        changedPositions.sort()
        return (changedPositions.map { new[$0] }, unmatchedOld.sorted { $0.value < $1.value }.map(\.key))
    }
}
