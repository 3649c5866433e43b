// SPDX-License-Identifier: Apache-2.0

/// VDSM's link-speed rules (docs/host-table-schema.md, `speedMbps`), as pure functions so they are tested without hardware.
public enum LinkSpeed {
    /// A sysfs `speed` value as a speed in Mbps, or `nil` when it means "unknown".
    ///
    /// Drivers report `-1` (virtio), `65535` (old `SPEED_UNKNOWN`) or `4294967295` (`(u32)-1`) when they
    /// do not know, and a link that went down between the oper-state check and the read gives 0.
    public static func validated(_ raw: Int64?) -> Int? {
        guard let raw, raw > 0, raw != 65_535, raw != 4_294_967_295 else { return nil }
        return Int(raw)
    }

    /// Parses the text of `/sys/class/net/X/speed` and validates it.
    public static func parse(sysfsText: String) -> Int? {
        validated(Int64(sysfsText.trimmingWhitespace()))
    }

    /// A bond's speed from its mode and its slaves' speeds.
    ///
    /// Mode 1 (active-backup) is the active slave's speed, mode 3 (broadcast) the slowest slave, every
    /// other mode the sum. Slaves with unknown speed do not count; with no known slave speed the bond's
    /// speed is unknown.
    /// - Parameters:
    ///   - mode: the numeric bonding mode (0…6).
    ///   - slaveSpeeds: each slave's name and validated speed.
    ///   - activeSlave: the active slave's name, for mode 1.
    public static func bond(mode: Int?, slaveSpeeds: [(name: String, speed: Int?)], activeSlave: String?) -> Int? {
        switch mode {
        case 1:
            guard let activeSlave else { return nil }
            return slaveSpeeds.first { $0.name == activeSlave }?.speed ?? nil
        case 3:
            return slaveSpeeds.compactMap(\.speed).min()
        default:
            let known = slaveSpeeds.compactMap(\.speed)
            return known.isEmpty ? nil : known.reduce(0, +)
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
