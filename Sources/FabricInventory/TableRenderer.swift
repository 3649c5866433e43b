// SPDX-License-Identifier: Apache-2.0
import FabricNetlink

/// The table as a terminal shows it: the seed's columns, aligned, with notes under it for anything
/// that limits what the table can say.
public enum TableRenderer {
    public static let headers = [
        "Name", "Address", "MAC", "Speed (Mbps)", "Rx (Mbps)", "Tx (Mbps)", "Drops (pkts)", "Bond", "Fabric",
        "Network Name",
    ]

    public static func render(_ table: HostTable) -> String {
        let withRates = table.intervalSeconds != nil
        var header = headers
        if !withRates { header[6] = "Drops (total)" }
        let rows: [[String]] = table.interfaces.map { row in
            [
                row.name,
                row.primaryAddress ?? "",
                row.mac ?? "",
                row.speedMbps.map(String.init) ?? "-",
                withRates ? formatRate(row.rates?.rxMbps) : "-",
                withRates ? formatRate(row.rates?.txMbps) : "-",
                withRates
                    ? (row.rates?.droppedPackets.map(String.init) ?? "-")
                    : String(row.statistics.rxDropped &+ row.statistics.txDropped),
                row.bond ?? "",
                row.classification.fabric.displayName,
                row.classification.networkName ?? "",
            ]
        }
        var out = TextColumns.lines(header: header, rows: rows, rightAligned: [3, 4, 5, 6])
        out += notes(table).map { "note: " + $0 }
        return out.joined(separator: "\n") + "\n"
    }

    static func notes(_ table: HostTable) -> [String] {
        var notes: [String] = []
        if !table.sources.ovsdb.reachable {
            let why = table.sources.ovsdb.error ?? "the Open vSwitch database at \(table.sources.ovsdb.endpoint) did not answer"
            notes.append("OVS membership is unknown: \(why).")
        }
        if let interval = table.intervalSeconds {
            notes.append("rates over \(formatSeconds(interval)) s; drops are packets dropped (rx+tx) in that interval.")
        } else {
            notes.append("single snapshot (--no-rates): no rates; drops are cumulative dropped packets (rx+tx).")
        }
        notes += table.sources.warnings
        return notes
    }

    /// Mbps for a person: integers from 10 up, one decimal below, `<0.1` for a trickle, `-` when unknown.
    public static func formatRate(_ mbps: Double?) -> String {
        guard let mbps else { return "-" }
        if mbps == 0 { return "0" }
        if mbps < 0.1 { return "<0.1" }
        if mbps < 10 { return formatOneDecimal(mbps) }
        return String(Int(mbps.rounded()))
    }

    static func formatOneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func formatSeconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : formatOneDecimal(value)
    }
}

/// Columns aligned for a terminal: a header, a rule of dashes, the rows; two spaces between columns, no
/// trailing spaces. Lines are assembled as UTF-8 bytes and widths counted in bytes for ASCII cells (names,
/// addresses, numbers: nearly every cell); a cell with other characters is as wide as its Characters.
enum TextColumns {
    static func lines(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        let headerWidths = header.map(width(of:))
        let rowWidths = rows.map { $0.map(width(of:)) }
        var widths = headerWidths
        for row in rowWidths {
            for (i, cellWidth) in row.enumerated() { widths[i] = max(widths[i], cellWidth) }
        }
        let lineCapacity = widths.reduce(2 * widths.count, +)
        func line(_ cells: [String], _ cellWidths: [Int]) -> String {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(lineCapacity)
            for (i, cell) in cells.enumerated() {
                if i > 0 { bytes.append(contentsOf: "  ".utf8) }
                let padding = repeatElement(UInt8(ascii: " "), count: widths[i] - cellWidths[i])
                if rightAligned.contains(i) {
                    bytes.append(contentsOf: padding)
                    bytes.append(contentsOf: cell.utf8)
                } else {
                    bytes.append(contentsOf: cell.utf8)
                    bytes.append(contentsOf: padding)
                }
            }
            while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }
        return [line(header, headerWidths), line(rule, widths)] + zip(rows, rowWidths).map(line)
    }

    static func width(of cell: String) -> Int {
        let ascii = cell.utf8.allSatisfy { $0 < 0x80 }
        return ascii ? cell.utf8.count : cell.count
    }
}
