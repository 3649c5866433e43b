// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The shipped alerting rules and Grafana dashboard, checked without a running Prometheus: promtool's syntax check
/// and unit tests of the rules, the dashboard's shape, and the metric names both read.
@Suite("Fleet: rules and dashboard (deploy/)")
struct FleetRulesTests {
    static let promtool = ProcessRunner.which("promtool")
    static let promtoolReason: Comment = "needs promtool (Debian package prometheus; scripts/test-programs)"

    @Test(.enabled(if: promtool != nil, promtoolReason))
    func promtoolChecksTheRules() throws {
        let result = try ProcessRunner.run(Self.promtool!, ["check", "rules", FleetDeployFiles.rules])
        #expect(result.status == 0, "\(result.output) \(result.standardError)")
        #expect(result.output.contains("SUCCESS: 7 rules found"), "\(result.output)")
    }

    @Test(.enabled(if: promtool != nil, promtoolReason))
    func promtoolRunsTheRuleUnitTests() throws {
        let result = try ProcessRunner.run(Self.promtool!, ["test", "rules", FleetDeployFiles.rulesTest])
        #expect(result.status == 0, "\(result.output) \(result.standardError)")
        #expect(result.output.contains("SUCCESS"), "\(result.output)")
    }

    /// A rule file promtool would reject makes the check fail: the test above can fail for the right reason.
    @Test(.enabled(if: promtool != nil, promtoolReason))
    func promtoolRejectsABrokenExpression() throws {
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broken = try String(contentsOfFile: FleetDeployFiles.rules, encoding: .utf8)
            .replacingOccurrences(of: "expr: fabric_tunnel_up == 0", with: "expr: fabric_tunnel_up == == 0")
        try broken.write(toFile: directory + "/broken.yml", atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run(Self.promtool!, ["check", "rules", directory + "/broken.yml"])
        #expect(result.status != 0)
    }

    @Test func everyRuleHasSeverityAnnotationsAndAForDuration() throws {
        let text = try String(contentsOfFile: FleetDeployFiles.rules, encoding: .utf8)
        let alerts = text.components(separatedBy: "- alert: ").dropFirst()
        #expect(
            Set(alerts.map { String($0.prefix { !$0.isNewline }) }) == [
                "FabricAgentDown", "FabricProviderAgentNotRunning", "FabricOVNControllerDisconnected",
                "FabricTunnelDown",
                "FabricVNICNotOnBridge", "FabricInterfaceDropsRising", "FabricOVSDBUnreachable",
            ])
        for alert in alerts {
            let name = alert.prefix { !$0.isNewline }
            #expect(alert.contains("\n        for: "), "\(name) has a for: duration")
            #expect(alert.contains("severity: critical") || alert.contains("severity: warning"), "\(name)")
            #expect(alert.contains("summary: ") && alert.contains("description: "), "\(name)")
            #expect(alert.contains("{{ $labels.instance }}"), "\(name) names the host")
        }
        // Every rule has a test case in the promtool unit tests.
        let tests = try String(contentsOfFile: FleetDeployFiles.rulesTest, encoding: .utf8)
        for alert in alerts {
            #expect(tests.contains("alertname: \(alert.prefix { !$0.isNewline })\n"))
        }
    }

    @Test func rulesAndDashboardReadOnlyMetricsTheAgentExposes() throws {
        let known = FleetDeployFiles.exposedMetricNames().union(FleetDeployFiles.pendingMetricNames)
        #expect(
            known.isSuperset(of: ["fabric_interfaces", "fabric_network_info", "fabric_interface_receive_drops_total"]))
        let rules = try FleetDeployFiles.ruleExpressions()
        #expect(rules.count == 7)
        let dashboard = try FleetDeployFiles.dashboardJSON()
        let expressions = rules + FleetDeployFiles.panelExpressions(dashboard).map(\.expression)
        for expression in expressions {
            let names = FleetDeployFiles.metricNames(in: expression)
            #expect(!names.isEmpty, "\(expression) reads a metric")
            #expect(names.isSubset(of: known), "\(expression) reads \(names.subtracting(known).sorted())")
        }
    }

    @Test func dashboardHasTheHostVariableTheHostTableAndTheFleetPanels() throws {
        let dashboard = try FleetDeployFiles.dashboardJSON()
        #expect(dashboard["schemaVersion"] as? Int == 39)
        #expect(dashboard["uid"] as? String == "fabric-host")
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        let host = try #require(variables.first { $0["name"] as? String == "host" })
        #expect(host["definition"] as? String == "label_values(fabric_interfaces, instance)")
        #expect((host["query"] as? [String: Any])?["query"] as? String == "label_values(fabric_interfaces, instance)")
        #expect(variables.contains { $0["name"] as? String == "datasource" && $0["type"] as? String == "datasource" })

        let panels = FleetDeployFiles.panels(dashboard)
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(ids.count == panels.count && Set(ids).count == ids.count, "every panel has a unique id")
        let table = try #require(panels.first { $0["title"] as? String == "Interfaces on $host" })
        #expect(table["type"] as? String == "table")
        let targets = table["targets"] as? [[String: Any]] ?? []
        #expect(targets.allSatisfy { ($0["expr"] as? String ?? "").contains(#"instance="$host""#) })
        let organize = (table["transformations"] as? [[String: Any]] ?? []).first { $0["id"] as? String == "organize" }
        let renamed = ((organize?["options"] as? [String: Any])?["renameByName"] as? [String: String]).map {
            Set($0.values)
        }
        #expect(renamed == ["Name", "Speed", "Rx", "Tx", "Drops", "Fabric", "Network Name"])
        let titles = Set(panels.compactMap { $0["title"] as? String })
        #expect(
            titles.isSuperset(of: [
                "Agents down", "Tunnels down", "vNICs off their bridge", "Top drops by host", "Networks per host",
            ]))
    }
}
