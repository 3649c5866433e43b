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
        a.network { color: inherit; }
        #network { display: none; margin: 0 0 1em; padding: .6em .9em; background: #fff; border: 1px solid #cfd6dd; }
        #network.open { display: block; }
        #agents { margin: 0 0 1em; } #agents span { margin-right: 1.2em; } #agents .down { color: #b00020; }
        #network h2 { font-size: 1.1em; margin: 0 0 .4em; }
        #network dl { display: grid; grid-template-columns: max-content auto; gap: .15em 1em; margin: 0 0 .5em; }
        #network dt { color: #5a6570; } #network dd { margin: 0; }
        </style>
        </head>
        <body>
        <h1>Host interfaces <span id="host"></span></h1>
        <div id="status">loading…</div>
        <section id="agents" aria-live="polite"></section>
        <section id="network" aria-live="polite"></section>
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
        // Each network name links to its characteristics (#network=NAME, also a link to share); a device under
        // several VDSM networks names them ", "-joined.
        function networkCell(tr, classification) {
          const td = document.createElement("td");
          const name = classification.networkName;
          const names = !name ? [] : classification.fabric === "vdsm" ? name.split(", ") : [name];
          names.forEach((network, i) => {
            if (i > 0) td.appendChild(document.createTextNode(", "));
            const a = document.createElement("a");
            a.className = "network";
            a.dataset.network = network;
            a.href = "#network=" + encodeURIComponent(network);
            a.textContent = network;
            td.appendChild(a);
          });
          tr.appendChild(td);
        }
        function describe(network) {
          const facts = [["Fabric", FABRIC_NAMES[network.fabric] || network.fabric]];
          const vdsm = network.vdsm;
          let vlan = vdsm && vdsm.vlan !== undefined ? vdsm.vlan : undefined;
          for (const member of network.interfaces) if (vlan === undefined && member.vlan !== undefined) vlan = member.vlan;
          // A provider segment says its VLANs itself (segmentation id on the wire, local VLAN on br-int).
          if (!network.segment) facts.push(["VLAN tag", vlan === undefined ? "none" : String(vlan)]);
          if (vdsm) {
            facts.push(["Device", vdsm.bonding || vdsm.nic || "none"], ["Bridged", vdsm.bridged ? "yes" : "no"],
              ["MTU", vdsm.mtu === undefined ? "default" : String(vdsm.mtu)], ["Switch", vdsm.switchType]);
            const ip = vdsm.ipv4;
            facts.push(["IPv4", ip.bootProtocol === "dhcp" ? "dhcp" : ip.address ? ip.address + (ip.prefix !== undefined ? "/" + ip.prefix : ip.netmask ? " " + ip.netmask : "") : "none"]);
            if (ip.gateway) facts.push(["IPv4 gateway", ip.gateway]);
            const v6 = vdsm.ipv6.addresses.concat(vdsm.ipv6.dhcp ? ["dhcpv6"] : [], vdsm.ipv6.autoconf ? ["autoconf"] : []);
            facts.push(["IPv6", v6.length ? v6.join(", ") : "none"], ["Default route", vdsm.defaultRoute ? "yes" : "no"]);
            if (vdsm.hostQoS) {
              const q = vdsm.hostQoS;
              facts.push(["Host QoS (out)", [["link share", q.linkShare], ["upper limit", q.upperLimit], ["real time", q.realTime]]
                .filter(([, v]) => v !== undefined).map(([k, v]) => k + " " + v).join(", ")]);
            }
          }
          const segment = network.segment;
          if (segment) {
            facts.push(["Network type", segment.networkType || "unknown"]);
            if (segment.segmentationID !== undefined) {
              const overlay = ["vxlan", "gre", "geneve"].includes(segment.networkType);
              facts.push([overlay ? "Tunnel key (VNI)" : "Segmentation id", String(segment.segmentationID)]);
            }
            if (segment.physicalNetwork) facts.push(["Physical network", segment.physicalNetwork + (segment.bridge ? " (bridge " + segment.bridge + ")" : "")]);
            if (segment.localVLAN !== undefined) facts.push(["Local VLAN", String(segment.localVLAN)]);
          }
          if (network.tunnels) {
            facts.push(["Tunnel endpoints", network.tunnels.length ? network.tunnels.map(t =>
              t.type + " " + (t.localIP || "?") + " → " + (t.remoteIP || "?") + (t.key ? " key " + t.key : "") + " (" +
              (t.linkState || "?") + (t.bfdState ? ", BFD " + t.bfdState : "") + ")").join("; ") : "none"]);
          }
          for (const m of network.interfaces) {
            const x = m.vxlan;
            if (x) facts.push(["VXLAN " + m.name, ["VNI " + x.vni, x.group && "group " + x.group, x.remote && "remote " + x.remote,
              x.local && "local " + x.local, x.port && "port " + x.port, x.device && "device " + x.device].filter(Boolean).join(", ")]);
          }
          const carriers = network.interfaces.map(m => m.name + (m.vmID ? " (VM " + m.vmID + ")" : "") + (m.ovsBridge ? " on " + m.ovsBridge : ""));
          facts.push(["Interfaces", carriers.length ? carriers.join(", ") : "none on this host"]);
          return facts;
        }
        async function openNetwork(name) {
          const panel = document.getElementById("network");
          if (!name) { panel.className = ""; panel.replaceChildren(); return; }
          const h2 = document.createElement("h2");
          h2.textContent = "Network " + name;
          panel.replaceChildren(h2);
          panel.className = "open";
          try {
            const response = await fetch("v1/networks/" + encodeURIComponent(name));
            const body = await response.json();
            if (!response.ok) throw new Error(body.error || response.statusText);
            const dl = document.createElement("dl");
            for (const [key, value] of describe(body)) {
              const dt = document.createElement("dt"); dt.textContent = key;
              const dd = document.createElement("dd"); dd.textContent = value;
              dl.append(dt, dd);
            }
            panel.appendChild(dl);
          } catch (error) {
            const p = document.createElement("p"); p.textContent = String(error.message || error);
            panel.appendChild(p);
          }
        }
        function networkFromHash() {
          const match = location.hash.match(/^#network=(.*)$/);
          openNetwork(match ? decodeURIComponent(match[1]) : null);
        }
        window.addEventListener("hashchange", networkFromHash);
        // The provider's daemons, tunnels and vNIC ports, from each networks event (only when they change).
        function renderAgents(networks) {
          const items = (networks.agents || []).map(agent => {
            const span = document.createElement("span");
            const details = [agent.version, (agent.datapathTypes || []).join("/")].filter(Boolean).join(", ");
            span.textContent = agent.name + ": " + (agent.running ? "running" : "not running") + (details ? " (" + details + ")" : "") +
              (agent.problem ? " — " + agent.problem : "");
            if (!agent.running || agent.problem) span.className = "down";
            span.dataset.agent = agent.name;
            return span;
          });
          const tunnels = networks.tunnels || [];
          const down = tunnels.filter(t => t.linkState !== "up" || (t.bfdState && t.bfdState !== "up")).length;
          if (tunnels.length) {
            const span = document.createElement("span");
            span.textContent = "tunnels: " + (tunnels.length - down) + " up, " + down + " down";
            if (down) span.className = "down";
            items.push(span);
          }
          const off = (networks.providerPorts || []).filter(p => !p.onBridge);
          if (off.length) {
            const span = document.createElement("span");
            span.className = "down";
            span.textContent = "vNICs off their bridge: " + off.map(p => p.interface + " (" + p.problem + ")").join(", ");
            items.push(span);
          }
          document.getElementById("agents").replaceChildren(...items);
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
            networkCell(tr, row.classification);
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
        networkFromHash();
        const events = new EventSource("v1/events?include=networks");
        events.addEventListener("networks", event => renderAgents(JSON.parse(event.data)));
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
