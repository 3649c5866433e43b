// SPDX-License-Identifier: Apache-2.0

/// `GET /`: one self-contained page (inline CSS and script, no external assets) with the seed's table
/// and a Fabric column, kept live from `/v1/events` (the whole table, then changes applied to it). The current table is embedded in the page, so
/// the first render needs no request (and shows even where event streams are buffered away).
enum WebPage {
    /// The page with `table` (HostTable JSON, or `null`) embedded.
    static func html(table json: [UInt8]?) -> String {
        // `</` cannot end the script element early when written as `<\/` (same JSON value).
        let embedded = json.map { String(decoding: $0, as: UTF8.self).replacingSlashes() } ?? "null"
        return template.replacingFirst("/*INITIAL_TABLE*/null", with: embedded)
    }

    static let template = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>fabric: host interfaces</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2125; background: #fafbfc; }
        h1 { font-size: 1.3em; margin: 0 0 .3em; }
        #status { color: #5a6570; margin-bottom: .8em; }
        #status.down { color: #b3261e; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { padding: .3em .6em; border-bottom: 1px solid #e2e6ea; text-align: left; white-space: nowrap; }
        th { background: #eef1f4; position: sticky; top: 0; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .fabric-vdsm { color: #0b6e4f; } .fabric-openvswitch { color: #1a56a8; } .fabric-ovn { color: #6a2aa8; }
        .fabric-linuxbridge { color: #9a5b00; } .fabric-unclassified { color: #8a949e; }
        #notes { color: #5a6570; margin-top: .8em; }
        </style>
        </head>
        <body>
        <h1>Host interfaces <span id="host"></span></h1>
        <div id="status">loading…</div>
        <table id="interfaces">
        <thead><tr>
        <th>Name</th><th>Address</th><th>MAC</th><th>Speed (Mbps)</th><th>Rx (Mbps)</th><th>Tx (Mbps)</th>
        <th>Drops (pkts)</th><th>Bond</th><th>Fabric</th><th>Network Name</th>
        </tr></thead>
        <tbody></tbody>
        </table>
        <div id="notes"></div>
        <script>
        "use strict";
        const FABRIC_NAMES = { vdsm: "VDSM", openvswitch: "Open vSwitch", ovn: "OVN", linuxbridge: "Linux Bridge", unclassified: "-" };
        function rate(value) { return value === null || value === undefined ? "-" : value.toFixed(2); }
        function cell(row, text, className) {
          const td = document.createElement("td");
          td.textContent = text;
          if (className) td.className = className;
          row.appendChild(td);
        }
        function render(table) {
          const body = document.querySelector("#interfaces tbody");
          const rows = [];
          for (const row of table.interfaces) {
            const tr = document.createElement("tr");
            tr.dataset.name = row.name;
            const rates = row.rates || null;
            const fabric = row.classification.fabric;
            cell(tr, row.name);
            cell(tr, row.primaryAddress || "");
            cell(tr, row.mac || "");
            cell(tr, row.speedMbps === null || row.speedMbps === undefined ? "-" : String(row.speedMbps), "num");
            cell(tr, rates ? rate(rates.rxMbps) : "-", "num");
            cell(tr, rates ? rate(rates.txMbps) : "-", "num");
            cell(tr, rates && rates.droppedPackets !== null && rates.droppedPackets !== undefined ? String(rates.droppedPackets) : "-", "num");
            cell(tr, row.bond || "");
            cell(tr, FABRIC_NAMES[fabric] || fabric, "fabric fabric-" + fabric);
            cell(tr, row.classification.networkName || "");
            rows.push(tr);
          }
          body.replaceChildren(...rows);
          document.getElementById("host").textContent = table.hostname ? "on " + table.hostname : "";
          const notes = [];
          if (!table.sources.ovsdb.reachable) notes.push("OVS membership is unknown: " + (table.sources.ovsdb.error || "the database did not answer") + ".");
          if (table.intervalSeconds) notes.push("Rates over " + table.intervalSeconds.toFixed(1) + " s; drops are packets dropped (rx+tx) in that interval.");
          for (const warning of table.sources.warnings) notes.push(warning);
          document.getElementById("notes").textContent = notes.join(" ");
        }
        function status(text, down) {
          const element = document.getElementById("status");
          element.textContent = text;
          element.className = down ? "down" : "";
        }
        const initial = /*INITIAL_TABLE*/null;
        if (initial) {
          render(initial);
          status("updated " + new Date(initial.sampledAt * 1000).toLocaleTimeString());
        }
        // The stream starts with the whole table, then sends each version's changes (docs/agent.md).
        let current = null;
        function show(table) {
          current = table;
          render(table);
          status("live · updated " + new Date(table.sampledAt * 1000).toLocaleTimeString());
        }
        function apply(table, changes) {
          const byName = new Map(table.interfaces.map(row => [row.name, row]));
          for (const name of changes.removed) byName.delete(name);
          for (const row of changes.changed) byName.set(row.name, row);
          const interfaces = Array.from(byName.values()).sort((a, b) => a.index - b.index);
          return Object.assign({}, table, {
            hostname: changes.hostname, sampledAt: changes.sampledAt, intervalSeconds: changes.intervalSeconds,
            sources: changes.sources, interfaces: interfaces });
        }
        const events = new EventSource("v1/events");
        events.addEventListener("table", event => show(JSON.parse(event.data)));
        events.addEventListener("changes", event => {
          if (current) show(apply(current, JSON.parse(event.data)));
        });
        events.onerror = () => status("event stream interrupted; reconnecting…", true);
        </script>
        </body>
        </html>
        """#
}

extension String {
    fileprivate func replacingSlashes() -> String {
        var result = ""
        var previous: Character?
        for character in self {
            if character == "/" && previous == "<" { result.append("\\") }
            result.append(character)
            previous = character
        }
        return result
    }

    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        let parts = split(separator: target, maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return self }
        return String(parts[0]) + replacement + String(parts[1])
    }
}
