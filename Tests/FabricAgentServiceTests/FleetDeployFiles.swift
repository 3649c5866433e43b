import FabricInventory
import FabricOVSDB
import Foundation

// SPDX-License-Identifier: Apache-2.0
@testable import FabricAgentService

/// The shipped Prometheus rules and Grafana dashboard (deploy/), and the facts the fleet tests check them against.
enum FleetDeployFiles {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let rules = repository + "/deploy/prometheus/fabric-rules.yml"
    static let rulesTest = repository + "/deploy/prometheus/fabric-rules.test.yml"
    static let dashboard = repository + "/deploy/grafana/fabric-host.json"

    /// Series the rules and the dashboard read that the agent does not expose yet.
    static let pendingMetricNames: Set<String> = []

    /// Series only a host with Open vSwitch tunnels, provider vNIC ports or OVN has; the scrape test's namespaces
    /// have none.
    static let switchOnlyMetricNames: Set<String> = ["fabric_tunnel_up", "fabric_vnic_on_bridge", "fabric_ovn_controller_connected"]

    /// Every family the agent's exposition has for a table with one fully known interface and one network, plus
    /// `up` (Prometheus's own, per target).
    static func exposedMetricNames() -> Set<String> {
        let row = HostInterface(
            name: "eno1", index: 2, kind: .nic, speedMbps: 1000,
            rates: HostInterface.Rates(rxMbps: 1, txMbps: 1, droppedPackets: 0, intervalSeconds: 1))
        let table = HostTable(
            hostname: "h", sampledAt: 1, intervalSeconds: 1,
            sources: HostTable.Sources(
                ovsdb: HostTable.OVSDBStatus(endpoint: "unix:/x", reachable: true), vdsmConfig: nil, warnings: []),
            interfaces: [row])
        // A switch with one tunnel and one provider vNIC port, and ovs-vswitchd among the daemons.
        let tunnel = SwitchState.Interface(uuid: "t", name: "vxlan-1", type: "vxlan", options: ["remote_ip": "192.0.2.2"])
        let vnic = SwitchState.Interface(uuid: "v", name: "tap1", externalIDs: ["iface-id": "p1"])
        let switchState = SwitchState(externalIDs: ["ovn-remote": "unix:/run/ovn/ovnsb_db.sock", "system-id": "c1"], bridges: [
            SwitchState.Bridge(uuid: "b", name: "br-int", ports: [
                SwitchState.Port(uuid: "pt", name: "vxlan-1", interfaces: [tunnel]),
                SwitchState.Port(uuid: "pv", name: "tap1", interfaces: [vnic]),
            ])
        ])
        let networks = HostNetworks(
            table: table, vdsm: VDSMNetworkConfig(networks: [VDSMNetwork(name: "red", nic: "eno1")]),
            switchState: switchState, agents: [ProviderAgent(name: .ovsVSwitchd, running: true)],
            ovn: OVNObservation(southbound: nil, southboundError: "not read", controller: OVNControllerStatus(running: true, connected: true)))
        let text = String(decoding: MetricsExporter.exposition(table, networks: networks), as: UTF8.self)
        var names: Set<String> = ["up"]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            names.insert(String(line.prefix { $0 != "{" && $0 != " " }))
        }
        return names
    }

    /// The metric names a PromQL expression reads: the `fabric_` identifiers (no label is named so) and `up{`.
    static func metricNames(in expression: String) -> Set<String> {
        var names: Set<String> = []
        let pattern = try! NSRegularExpression(pattern: #"(?<![a-z_])(fabric_[a-z_]+|up(?=\{))"#)
        let range = NSRange(expression.startIndex..., in: expression)
        for match in pattern.matches(in: expression, range: range) {
            if let found = Range(match.range(at: 1), in: expression) { names.insert(String(expression[found])) }
        }
        return names
    }

    /// The shipped rules' expressions (`expr:` lines; each is one line in fabric-rules.yml).
    static func ruleExpressions() throws -> [String] {
        try String(contentsOfFile: rules, encoding: .utf8).split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("expr: ") ? String(trimmed.dropFirst(6)) : nil
        }
    }

    /// The rules with every `for:` shortened to `duration`, so that a test sees them fire within seconds. Nothing else
    /// changes: the expressions, labels and annotations are the shipped ones.
    static func rulesWithShortFor(_ duration: String) throws -> String {
        try String(contentsOfFile: rules, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                guard line.trimmingCharacters(in: .whitespaces).hasPrefix("for: ") else { return String(line) }
                return String(line.prefix { $0 == " " }) + "for: " + duration
            }.joined(separator: "\n")
    }

    /// The dashboard, decoded.
    static func dashboardJSON() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dashboard))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AgentTestError("\(dashboard) is not a JSON object")
        }
        return object
    }

    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] {
        dashboard["panels"] as? [[String: Any]] ?? []
    }

    /// Every panel's `expr`, by panel title.
    static func panelExpressions(_ dashboard: [String: Any]) -> [(panel: String, expression: String)] {
        panels(dashboard).flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map { (panel["title"] as? String ?? "?", $0) }
            }
        }
    }

    /// `expression` with the dashboard's variables and Grafana's built-ins replaced, as Grafana sends it.
    static func substituting(_ expression: String, host: String) -> String {
        expression.replacingOccurrences(of: "$__rate_interval", with: "1m").replacingOccurrences(
            of: "$host", with: host)
    }
}
