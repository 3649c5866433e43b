// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// Two hosts and a monitoring server, each a network namespace: on each host a `fabric-agent serve` with its own
/// links and VDSM network, listening with TLS and a bearer token on the address of a veth to the server's namespace,
/// where a real Prometheus scrapes both with the shipped rules; the test reads the fleet through Prometheus's API.
@Suite("Fleet: a real Prometheus scraping two agents", .serialized, .timeLimit(.minutes(3)))
struct FleetScrapeTests {
    static let enabled =
        AgentTestGate.canRunInNamespace && PrometheusServer.binary != nil && AgentTestGate.tool("openssl") != nil
    static let reason: Comment = "needs root, iproute2, curl, openssl, prometheus and a built fabric-agent"

    /// One agent's namespace: its own links, a VDSM network (`--root` with a netconf tree) and the veth to the server.
    struct Host {
        let namespace: NetworkNamespaceFixture
        let agent: AgentProcess
        /// `ADDRESS:PORT`, Prometheus's `instance` label for this agent.
        let instance: String
    }

    static func startHost(
        _ letter: String, subnet: Int, links: [String], network: String, server: NetworkNamespaceFixture,
        directory: String
    ) throws -> Host {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-host\(letter)")
        let address = "10.98.\(subnet).1"
        try namespace.ipBatch(
            [
                "link set lo up", "link add up-\(letter) type veth peer name to-\(letter) netns \(server.name)",
                "addr add \(address)/24 dev up-\(letter)", "link set up-\(letter) up",
            ] + links)
        try server.ipBatch(["addr add 10.98.\(subnet).2/24 dev to-\(letter)", "link set to-\(letter) up"])
        let root = directory + "/root-\(letter)"
        let nets = root + "/var/lib/vdsm/staging/netconf/nets"
        try FileManager.default.createDirectory(atPath: nets, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/sys", withDestinationPath: "/sys")
        try FileManager.default.createSymbolicLink(atPath: root + "/proc", withDestinationPath: "/proc")
        let name = String(network.prefix { $0 != "=" })
        try String(network.dropFirst(name.count + 1)).write(
            toFile: nets + "/" + name, atomically: true, encoding: .utf8)
        let agentDirectory = directory + "/agent-\(letter)"
        try FileManager.default.createDirectory(atPath: agentDirectory, withIntermediateDirectories: true)
        // Nobody serves this OVSDB socket: FabricOVSDBUnreachable is the alert the test causes for real.
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: [
                "--listen", address + ":0", "--tls-certificate", directory + "/cert.pem", "--tls-key",
                directory + "/key.pem", "--token-file", directory + "/token", "--ovsdb",
                "unix:\(agentDirectory)/nobody.sock", "--root", root, "--sample-interval", "1",
            ], directory: agentDirectory)
        guard agent.bound.hasPrefix("https://\(address):") else { throw AgentTestError("agent bound \(agent.bound)") }
        return Host(namespace: namespace, agent: agent, instance: String(agent.bound.dropFirst("https://".count)))
    }

    /// Sends broadcast frames of the local experimental ethertype 0x88b5 on the interface `sys.argv[1]`, 500 a
    /// second, until killed.
    static let unhandledFrames = """
        import socket, sys, time
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[1], 0))
        frame = b"\\xff" * 6 + b"\\x02\\x00\\x00\\x00\\x00\\x01" + b"\\x88\\xb5" + b"fabric-drop" * 5
        while True:
            for _ in range(50):
                s.send(frame)
            time.sleep(0.1)
        """

    static func configuration(directory: String, targets: [String]) -> String {
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - \(directory)/fabric-rules.yml
        scrape_configs:
          - job_name: fabric-agent
            scheme: https
            tls_config:
              ca_file: \(directory)/cert.pem
            authorization:
              credentials_file: \(directory)/token
            static_configs:
              - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
        """
    }

    @Test(.enabled(if: enabled, reason))
    func prometheusScrapesBothHostsAndTheirAlertsFire() throws {
        let server = try NetworkNamespaceFixture(prefix: "fab-prom")
        defer { server.delete() }
        try server.ip("link", "set", "lo", "up")
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AgentProcess.makeSelfSignedCertificate(in: directory, addresses: ["10.98.1.1", "10.98.2.1"])
        try "fleet-token-\(UUID().uuidString)".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        // The shipped rules, every `for:` shortened from minutes to 2s so that the alerts fire within the test.
        try FleetDeployFiles.rulesWithShortFor("2s").write(
            toFile: directory + "/fabric-rules.yml", atomically: true, encoding: .utf8)

        let a = try Self.startHost(
            "a", subnet: 1,
            links: ["link add alpha0 type veth peer name alpha1", "link set alpha0 up", "link set alpha1 up"],
            network: #"red={"nic": "alpha0", "vlan": 172, "bridged": false}"#, server: server, directory: directory)
        defer { a.agent.stop(); a.namespace.delete() }
        let b = try Self.startHost(
            "b", subnet: 2,
            links: [
                "link add bravo0 type veth peer name bravo1", "link add bravobr type bridge",
                "link set bravo0 master bravobr",
            ],
            network: #"blue={"nic": "bravo0", "bridged": false}"#, server: server, directory: directory)
        defer { b.agent.stop(); b.namespace.delete() }

        let started = Date()
        let prometheus = try PrometheusServer(
            namespace: server.name, directory: directory,
            configuration: Self.configuration(directory: directory, targets: [a.instance, b.instance]))
        defer { prometheus.stop() }
        let bothUp = try AgentProcess.eventually(seconds: 40) {
            (try? prometheus.query(#"up{job="fabric-agent"} == 1"#).count) == 2
        }
        try #require(bothUp, "both targets up: \(String(prometheus.log.suffix(2000)))")
        let scrapedAfter = Date().timeIntervalSince(started)

        // Each host's rows, and only its own.
        #expect(
            try AgentProcess.eventually(seconds: 10) {
                try prometheus.query(#"fabric_interface_oper_up{interface="bravobr"}"#).count == 1
            })
        let rows = try prometheus.query(#"fabric_interface_oper_up{job="fabric-agent"}"#)
        func interfaces(_ host: Host) -> Set<String> {
            Set(rows.filter { $0.labels["instance"] == host.instance }.compactMap { $0.labels["interface"] })
        }
        #expect(interfaces(a).isSuperset(of: ["lo", "up-a", "alpha0", "alpha1"]), "\(interfaces(a))")
        #expect(interfaces(a).isDisjoint(with: ["up-b", "bravo0", "bravobr"]), "\(interfaces(a))")
        #expect(interfaces(b).isSuperset(of: ["lo", "up-b", "bravo0", "bravobr"]), "\(interfaces(b))")
        #expect(interfaces(b).isDisjoint(with: ["up-a", "alpha0", "alpha1"]), "\(interfaces(b))")
        #expect(rows.first { $0.labels["instance"] == a.instance && $0.labels["interface"] == "alpha0" }?.value == 1)
        #expect(rows.first { $0.labels["instance"] == b.instance && $0.labels["interface"] == "bravo0" }?.value == 0)

        // Each host's network, with its facts as labels (an empty label, like b's VLAN, is no label to Prometheus).
        let networks = try prometheus.query("fabric_network_info")
        let red = networks.filter { $0.labels["instance"] == a.instance }.map(\.labels)
        #expect(red.count == 1 && red.first?["network"] == "red" && red.first?["vlan"] == "172", "\(red)")
        #expect(red.first?["fabric"] == "vdsm" && red.first?["switch"] == "legacy")
        let blue = networks.filter { $0.labels["instance"] == b.instance }.map(\.labels)
        #expect(blue.count == 1 && blue.first?["network"] == "blue" && blue.first?["vlan"] == nil, "\(blue)")

        try checkDashboard(prometheus, hosts: [a, b])

        let firing = try AgentProcess.eventually(seconds: 30) {
            let ovsdb = try prometheus.firingAlerts().filter { $0["alertname"] == "FabricOVSDBUnreachable" }
            return Set(ovsdb.compactMap { $0["instance"] }) == [a.instance, b.instance]
        }
        #expect(firing, "FabricOVSDBUnreachable fires for both hosts: \((try? prometheus.api("alerts")) ?? [:])")
        let ovsdbFiredAfter = Date().timeIntervalSince(started)
        let alert = try prometheus.firingAlerts().first { $0["alertname"] == "FabricOVSDBUnreachable" }
        #expect(alert?["severity"] == "warning")

        let targets =
            (try prometheus.api("targets")["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
        let scrapeSeconds = targets.compactMap { $0["lastScrapeDuration"] as? Double }

        // Frames of an ethertype no protocol handles, sent into alpha0 from its peer: the kernel drops each one on
        // receive (rx_dropped), so FabricInterfaceDropsRising fires for alpha0 on a, and for nothing on b.
        let dropsStarted = Date()
        let sender = try BackgroundProcess(
            "/usr/sbin/ip", ["netns", "exec", a.namespace.name, "python3", "-c", Self.unhandledFrames, "alpha1"])
        defer { sender.stop() }
        var dropping: [PrometheusServer.Alert] = []
        let dropsFired = try AgentProcess.eventually(seconds: 30) {
            dropping = try prometheus.firingAlerts().filter { $0["alertname"] == "FabricInterfaceDropsRising" }
            return !dropping.isEmpty
        }
        sender.stop()
        #expect(dropsFired, "FabricInterfaceDropsRising fires: \((try? prometheus.api("alerts")) ?? [:])")
        let dropsFiredAfter = Date().timeIntervalSince(dropsStarted)
        #expect(dropping.allSatisfy { $0["instance"] == a.instance && $0["interface"] == "alpha0" }, "\(dropping)")
        #expect(dropping.first?.annotations["summary"]?.hasPrefix("alpha0 on \(a.instance) drops packets") == true)

        // Host b's agent stops: its target goes down and FabricAgentDown fires for b, not for a.
        let stoppedAt = Date()
        #expect(b.agent.stop() == 0)
        let down = try AgentProcess.eventually(seconds: 30) {
            try prometheus.firingAlerts().contains {
                $0["alertname"] == "FabricAgentDown" && $0["instance"] == b.instance
            }
        }
        #expect(down, "FabricAgentDown fires for the stopped agent: \((try? prometheus.api("alerts")) ?? [:])")
        let agentDownAfter = Date().timeIntervalSince(stoppedAt)
        #expect(
            try !prometheus.firingAlerts().contains {
                $0["alertname"] == "FabricAgentDown" && $0["instance"] == a.instance
            })

        print(
            "fleet-scrape: both targets up \(String(format: "%.1f", scrapedAfter))s after starting Prometheus; "
                + "FabricOVSDBUnreachable firing after \(String(format: "%.1f", ovsdbFiredAfter))s (for: 2s); "
                + "FabricInterfaceDropsRising firing \(String(format: "%.1f", dropsFiredAfter))s after the drops began; "
                + "FabricAgentDown firing \(String(format: "%.1f", agentDownAfter))s after stopping agent b (for: 2s); "
                + "last scrape durations \(scrapeSeconds.map { String(format: "%.4f", $0) })s")
    }

    /// The dashboard against the live Prometheus: the `host` variable lists both hosts, every panel's expression
    /// (with `$host` set to host a) is valid PromQL, the host table's queries return host a's rows only, and
    /// every metric the rules and the dashboard read that this agent exposes is in Prometheus under that name.
    func checkDashboard(_ prometheus: PrometheusServer, hosts: [Host]) throws {
        let dashboard = try FleetDeployFiles.dashboardJSON()
        let values = try prometheus.api("label/instance/values", [("match[]", "fabric_interfaces")])
        #expect(
            Set(values["data"] as? [String] ?? []) == Set(hosts.map(\.instance)),
            "label_values(fabric_interfaces, instance)")

        for (panel, expression) in FleetDeployFiles.panelExpressions(dashboard) {
            let sent = FleetDeployFiles.substituting(expression, host: hosts[0].instance)
            #expect(!sent.contains("$"), "\(panel): unsubstituted variable in \(sent)")
            let answer = try prometheus.api("query", [("query", sent)])
            #expect(answer["status"] as? String == "success", "\(panel): \(sent): \(answer)")
        }
        let table = FleetDeployFiles.panels(dashboard).first { $0["title"] as? String == "Interfaces on $host" }
        let tableQueries = (table?["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        #expect(tableQueries.count == 5)
        for expression in tableQueries where !expression.contains("mbps") {
            // Rates need two samples of the agent's counters; the rest is there from the first scrape.
            let result = try prometheus.query(FleetDeployFiles.substituting(expression, host: hosts[0].instance))
            #expect(Set(result.compactMap { $0.labels["instance"] }) == [hosts[0].instance], "\(expression)")
            #expect(result.contains { $0.labels["interface"] == "alpha0" }, "\(expression)")
        }
        let perHost = try prometheus.query("count by (instance) (fabric_network_info)")
        #expect(perHost.count == 2 && perHost.allSatisfy { $0.value == 1 }, "Networks per host: \(perHost)")

        let stored = Set(try prometheus.api("label/__name__/values")["data"] as? [String] ?? [])
        let read =
            (try FleetDeployFiles.ruleExpressions() + FleetDeployFiles.panelExpressions(dashboard).map(\.expression))
            .reduce(into: Set<String>()) { $0.formUnion(FleetDeployFiles.metricNames(in: $1)) }
        // Speed is exported only for NICs and bond slaves (InventoryBuilder), and these namespaces have only veths.
        let expected = read.subtracting(FleetDeployFiles.pendingMetricNames).subtracting(FleetDeployFiles.switchOnlyMetricNames)
            .subtracting(["fabric_interface_speed_mbps"])
        #expect(expected.count >= 7, "\(expected)")
        #expect(expected.isSubset(of: stored), "read but never scraped: \(expected.subtracting(stored).sorted())")
    }
}
