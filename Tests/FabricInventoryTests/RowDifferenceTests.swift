// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricTestSupport
import Testing

/// The `changes` event's difference, walked side by side, against the definition: rows matched by name.
@Suite struct RowDifferenceTests {
    /// The definition, as the docs state it: every row of `new` that `old` lacks by name or that differs; every
    /// name of `old` that `new` lacks.
    static func byName(_ old: [HostInterface], _ new: [HostInterface]) -> (changed: [HostInterface], removed: [String]) {
        let oldByName = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.map(\.name))
        return (new.filter { oldByName[$0.name] != $0 }, old.map(\.name).filter { !newNames.contains($0) })
    }

    static func row(_ index: Int32, _ name: String, mtu: UInt32 = 1500) -> HostInterface {
        HostInterface(name: name, index: index, kind: .veth, mtu: mtu)
    }

    @Test(arguments: [
        ("one row changed in place", [row(1, "lo"), row(2, "a"), row(3, "b")], [row(1, "lo"), row(2, "a", mtu: 9000), row(3, "b")]),
        ("renamed", [row(1, "lo"), row(2, "a"), row(3, "b")], [row(1, "lo"), row(2, "c"), row(3, "b")]),
        ("re-created under a new ifindex", [row(1, "lo"), row(2, "a"), row(3, "b")], [row(1, "lo"), row(3, "b"), row(9, "a")]),
        ("two links swap names", [row(5, "a"), row(6, "b")], [row(5, "b"), row(6, "a")]),
        ("added and removed at both ends", [row(1, "lo"), row(2, "a")], [row(2, "a"), row(3, "b")]),
        ("from nothing", [], [row(1, "lo")]),
        ("to nothing", [row(1, "lo")], []),
    ])
    func namedCases(_ case: String, _ old: [HostInterface], _ new: [HostInterface]) {
        let walked = RowDifference(from: old, to: new)
        let defined = Self.byName(old, new)
        #expect(walked.changed == defined.changed, "\(`case`)")
        #expect(walked.removed == defined.removed, "\(`case`)")
    }

    /// Random tables of up to 40 rows, each derived from the previous by renames, MTU changes, removals, additions
    /// and re-creations: 2,000 pairs, every one equal to the definition.
    @Test func randomChurnMatchesTheDefinition() {
        var generator = SeededGenerator(seed: 0x5EED)
        var table = (1...20).map { Self.row(Int32($0), "l\($0)") }
        var nextIndex: Int32 = 21
        var nextName = 0  // names are unique in a namespace
        for step in 0..<2_000 {
            var next = table
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                guard !next.isEmpty else { break }
                let position = Int.random(in: 0..<next.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: next[position].mtu += 1
                case 1:
                    next[position].name = "r\(nextName)"
                    nextName += 1
                case 2: next.remove(at: position)
                case 3:
                    // The same name under a new ifindex, as after `ip link del` and `add`.
                    var again = next.remove(at: position)
                    again.index = nextIndex
                    nextIndex += 1
                    next.append(again)
                default: break
                }
            }
            if next.count < 40, Bool.random(using: &generator) {
                next.append(Self.row(nextIndex, "n\(nextIndex)"))
                nextIndex += 1
            }
            let walked = RowDifference(from: table, to: next)
            let defined = Self.byName(table, next)
            #expect(walked.changed == defined.changed, "step \(step)")
            #expect(walked.removed == defined.removed, "step \(step)")
            table = next
        }
    }
}
