// SPDX-License-Identifier: Apache-2.0

/// How one version of the table's rows differs from another: the rows that are new or differ, and the names of
/// the rows that are gone. Rows are matched by name (a renamed link is removed under its old name and new under
/// its new one). The `changes` event of `/v1/events` carries it.
public struct RowDifference: Sendable, Hashable {
    /// Rows of the new version that the old one lacks by name or that differ, in the new version's order.
    public var changed: [HostInterface]
    /// Names of rows of the old version that the new one lacks, in the old version's order.
    public var removed: [String]

    public init(changed: [HostInterface], removed: [String]) {
        self.changed = changed
        self.removed = removed
    }

    public var isEmpty: Bool { changed.isEmpty && removed.isEmpty }

    /// What turns `old` into `new`. Both are in ifindex order and a change touches a few rows, so the rows are
    /// walked side by side and compared where they stand; only rows that do not line up (added, removed,
    /// renamed) are matched by name.
    public init(from old: [HostInterface], to new: [HostInterface]) {
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
        self.init(
            changed: changedPositions.map { new[$0] }, removed: unmatchedOld.sorted { $0.value < $1.value }.map(\.key))
    }
}
