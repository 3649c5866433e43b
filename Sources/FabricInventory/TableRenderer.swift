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
/// trailing spaces.
enum TextColumns {
    static func lines(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var view = Substring(self)
        while view.last == " " { view.removeLast() }
        return String(view)
    }
}
