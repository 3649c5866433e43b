// SPDX-License-Identifier: Apache-2.0

/// The link changes of the netlink overrun tests, as `ip -batch` lines: `pairs` veth pairs (`chNa`/`chNb`) and two
/// bridges, then a burst of exactly `count` changes cycling through MTU, up and down, alias, bridge membership,
/// IPv4 addresses, and deleting and re-creating pairs (so ifindexes change). Only link types the build machine's
/// kernel has (veth, bridge), and every line valid where it stands, so the batch never stops halfway.
public enum LinkChurn {
    /// The bridges the churn enslaves veths to.
    public static let bridges = ["chbr0", "chbr1"]

    /// The links before the burst: the pairs and the bridges, everything up but the pairs.
    public static func setup(pairs: Int) -> [String] {
        (0..<pairs).map { "link add ch\($0)a type veth peer name ch\($0)b" }
            + bridges.flatMap { ["link add \($0) type bridge", "link set \($0) up"] }
    }

    /// `count` changes over the `pairs` pairs of ``setup(pairs:)``. Rounds go over every pair with one kind of
    /// change; ten rounds make a cycle, and every second cycle deletes and re-creates every pair.
    public static func burst(count: Int, pairs: Int) -> [String] {
        var lines: [String] = []
        var round = 0
        while lines.count < count {
            let cycle = round / 10
            for pair in 0..<pairs {
                let a = "ch\(pair)a"
                let b = "ch\(pair)b"
                let address = "10.\(pair / 250).\(pair % 250).\(cycle % 250 + 1)/24"
                switch round % 10 {
                case 0: lines.append("link set \(a) mtu \(1280 + (round * 37 + pair) % 7000)")
                case 1: lines.append("link set \(a) up")
                case 2: lines.append("link set \(b) up")
                case 3: lines.append("link set \(a) alias churn-\(round)-\(pair)")
                case 4: lines.append("link set \(a) master \(bridges[cycle % 2])")
                case 5: lines.append("addr replace \(address) dev \(a)")
                case 6: lines.append("link set \(b) down")
                case 7: lines.append("link set \(a) nomaster")
                case 8: lines.append("addr del \(address) dev \(a)")
                default:
                    if cycle % 2 == 0 {
                        lines.append("link del \(a)")
                        lines.append("link add \(a) type veth peer name \(b)")
                    } else {
                        lines.append("link set \(a) down")
                    }
                }
            }
            round += 1
        }
        return Array(lines.prefix(count))
    }
}
