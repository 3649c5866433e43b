// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The built `fabric-agent serve`, run the way systemd and admins run it, inside a test network
/// namespace so its table is the namespace's.
@Suite("fabric-agent serve (built binary)", .serialized, .timeLimit(.minutes(3)))
struct AgentServeTests {
    static let inNamespace = AgentTestGate.canRunInNamespace

    @Test(.enabled(if: inNamespace, AgentTestGate.namespaceReason))
    func tableFollowsLinkChangesWithoutRestartAndStopsCleanly() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/agent.sock"
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: ["--listen", "unix:" + socket, "--sample-interval", "1", "--ovsdb", "unix:\(directory)/no-db.sock"],
            directory: directory)
        #expect(agent.bound == "unix:" + socket)
        #expect(try agent.interfaceNames() == ["lo"])
        #expect(try agent.curl("/healthz").status == 200)
        let missing = try agent.curl("/v1/interfaces/veth-nope")
        #expect(missing.status == 404)
        #expect(missing.body.contains(#""error""#))

        let events = try EventStream(agent: agent)
        #expect(AgentProcess.eventually { !events.tables().isEmpty })
        try namespace.ip("link", "add", "fa0", "type", "veth", "peer", "name", "fa1")
        #expect(try AgentProcess.eventually { try agent.interfaceNames() == ["lo", "fa0", "fa1"] })
        #expect(AgentProcess.eventually { events.tables().contains { events.names(in: $0).isSuperset(of: ["fa0", "fa1"]) } })
        let row = try agent.json("/v1/interfaces/fa0")
        #expect(row["kind"] as? String == "veth")
        #expect(row["peer"] as? String == "fa1")

        try namespace.ip("link", "del", "fa0")
        #expect(try AgentProcess.eventually { try agent.interfaceNames() == ["lo"] })
        #expect(AgentProcess.eventually { events.names(in: events.tables().last ?? [:]) == ["lo"] })
        #expect(try agent.curl("/v1/interfaces/fa0").status == 404)

        let pid = agent.pid
        #expect(agent.stop() == 0)
        #expect(kill(pid, 0) != 0, "the agent's pid is gone")
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket file is removed")
        #expect(!FileManager.default.fileExists(atPath: agent.readyFile))
    }

    @Test(.enabled(if: inNamespace, AgentTestGate.namespaceReason))
    func eventsAreOneTableThenChangesThatRebuildTheServedTable() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ipBatch(["link set lo up"] + (0..<20).map { "link add base\($0) type veth peer name peer\($0)" })
        // No counter sample during the test: every event after the first is a link or address change.
        let agent = try AgentProcess(
            namespace: namespace.name, arguments: ["--sample-interval", "3600", "--ovsdb", "unix:/nonexistent.sock"])
        let events = try EventStream(agent: agent)
        #expect(AgentProcess.eventually { events.tables().count == 1 })
        try namespace.ipBatch([
            "link add br0 type bridge", "link set br0 up", "link set base0 master br0", "link set base0 up",
            "addr add 192.0.2.1/24 dev br0", "addr add 2001:db8::1/64 dev br0 nodad", "link set peer3 name moved3",
            "link del base5", "link add fresh0 type veth peer name fresh1",
        ])
        let served = { NSDictionary(dictionary: try agent.json("/v1/interfaces")) }
        #expect(try AgentProcess.eventually { try served().isEqual(to: events.tables().last ?? [:]) })
        let received = events.events()
        #expect(received.first?.name == "table")
        #expect(received.dropFirst().allSatisfy { $0.name == "changes" }, "one whole table, then changes only")
        #expect(received.count > 1)
        let rows = (received.first?.data["interfaces"] as? [Any])?.count ?? 0
        let largest = received.dropFirst().map { ($0.data["changed"] as? [Any])?.count ?? 0 }.max() ?? 0
        #expect(largest < rows / 2, "a change event carries the changed rows (\(largest)), not the table (\(rows))")
        let names = events.names(in: events.tables().last ?? [:])
        #expect(names.isSuperset(of: ["br0", "moved3", "fresh0", "fresh1"]))
        #expect(names.isDisjoint(with: ["base5", "peer5", "peer3"]))
    }

    @Test(.enabled(if: inNamespace, AgentTestGate.namespaceReason))
    func notifiesSystemdReadyAndStopping() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        let notify = try NotifySocket(abstract: false)
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = try AgentProcess(
            namespace: namespace.name, arguments: ["--listen", "unix:\(directory)/a.sock", "--ovsdb", "unix:/nonexistent.sock"],
            environment: ["NOTIFY_SOCKET": notify.name], directory: directory)
        let ready = try #require(notify.receive(seconds: 5))
        #expect(ready.split(separator: "\n").contains("READY=1"))
        #expect(ready.contains("STATUS=serving on unix:\(directory)/a.sock"))
        #expect(agent.stop() == 0)
        #expect(notify.receive(seconds: 5) == "STOPPING=1")
    }

    @Test(.enabled(if: AgentProcess.binary != nil, "needs a built fabric-agent"))
    func badConfigurationFailsWithOneLineNamingTheKey() throws {
        let cases: [([String], [String: String], String)] = [
            (["--sample-interval", "soon"], [:], "sample-interval"),
            ([], ["FABRIC_LOG_LEVEL": "chatty"], "log-level"),
            (["--listen", "0.0.0.0:0"], [:], "tls-certificate"),
        ]
        for (arguments, environment, key) in cases {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: AgentProcess.binary!)
            process.arguments = ["serve", "--config", "/dev/null"] + arguments
            process.environment = environment
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let stderr = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus != 0)
            #expect(stderr.hasPrefix("fabric-agent: invalid configuration: \(key):"), "\(stderr)")
            #expect(stderr.split(separator: "\n").count == 1)
        }
    }

    @Test(.enabled(
        if: AgentProcess.binary != nil && !FileManager.default.fileExists(atPath: "/usr/libexec/fabric/fabric-agentd"),
        "needs a built fabric-agent and no installed fabric-agentd"))
    func serveWithoutTheDaemonSaysWhichFileIsMissing() throws {
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A fabric-agent with no fabric-agentd beside it, as if the package were half installed.
        try FileManager.default.copyItem(atPath: AgentProcess.binary!, toPath: directory + "/fabric-agent")
        let result = try ProcessRunner.run(directory + "/fabric-agent", ["serve", "--config", "/dev/null"])
        #expect(result.status == 1)
        #expect(
            result.standardError
                == "fabric-agent: cannot start the agent daemon /usr/libexec/fabric/fabric-agentd: No such file or directory\n")
    }

    // MARK: Open vSwitch

    @Test(.enabled(if: inNamespace && OVSSandbox.isAvailable, "needs root, a built agent and Open vSwitch"))
    func ovsPortChangesFabricAndOVSDBRestartIsSurvived() throws {
        let sandbox = try OVSSandbox(startSwitch: false)
        defer { sandbox.stop() }
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ip("link", "add", "tapvnic0", "type", "veth", "peer", "name", "tapvnic1")
        let socketFolder = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: socketFolder) }
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: [
                "--listen", "unix:\(socketFolder)/a.sock", "--ovsdb", sandbox.remote,
                "--ovsdb-max-backoff", "1",
            ])
        func fabric(_ name: String) throws -> String? {
            ((try agent.json("/v1/interfaces/\(name)"))["classification"] as? [String: Any])?["fabric"] as? String
        }
        func reachable() throws -> Bool {
            (((try agent.json("/v1/interfaces"))["sources"] as? [String: Any])?["ovsdb"] as? [String: Any])?["reachable"]
                as? Bool ?? false
        }
        #expect(try AgentProcess.eventually { try reachable() })
        #expect(try fabric("tapvnic0") == "unclassified")

        // The bridge need not exist in the kernel: classification reads the database.
        let bridge = OVSSandbox.uniqueName("brint")
        try sandbox.vsctl("add-br", bridge)
        let network = "2c5e9c4b-1111-4a2b-8c3d-5e6f7a8b9c0d"
        try sandbox.vsctl(
            "add-port", bridge, "tapvnic0", "--", "set", "Interface", "tapvnic0", "external_ids:iface-id=vnic-0001",
            "external_ids:vm-id=vm-0001", "--", "set", "Port", "tapvnic0", "other_config:net_uuid=\(network)")
        #expect(try AgentProcess.eventually { try fabric("tapvnic0") == "openvswitch" })
        let ovs = try agent.json("/v1/interfaces/tapvnic0")["ovs"] as? [String: Any]
        #expect(ovs?["bridge"] as? String == bridge)

        // The vNIC's provider network, with the VM and the port, at /v1/networks.
        let networks = try agent.json("/v1/networks")
        #expect(networks["schema"] as? String == "fabric.host-networks")
        #expect((networks["networks"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.contains(network) == true)
        let carried = try agent.json("/v1/networks/\(network)")
        #expect(carried["fabric"] as? String == "openvswitch")
        let members = carried["interfaces"] as? [[String: Any]]
        #expect(members?.count == 1)
        #expect(members?.first?["name"] as? String == "tapvnic0")
        #expect(members?.first?["vmID"] as? String == "vm-0001")
        #expect(members?.first?["portID"] as? String == "vnic-0001")
        #expect(members?.first?["ovsBridge"] as? String == bridge)
        #expect(try agent.curl("/v1/networks/no-such-network").status == 404)

        sandbox.stopDatabase()
        #expect(try AgentProcess.eventually { try !reachable() })
        #expect(try fabric("tapvnic0") != "openvswitch", "OVS membership is unknown while disconnected")
        try sandbox.startDatabase()
        #expect(try AgentProcess.eventually(seconds: 15) { try reachable() })
        #expect(try AgentProcess.eventually { try fabric("tapvnic0") == "openvswitch" })
        #expect(agent.stop() == 0)
    }

    // MARK: TLS and token

    /// Off loopback for real: the agent listens on a veth address of its namespace and the client
    /// connects from a second namespace across the link, verifying the certificate (no `-k`).
    @Test(.enabled(
        if: inNamespace && AgentTestGate.tool("openssl") != nil, "needs root, a built agent, curl and openssl"))
    func tlsWithBearerTokenOffLoopback() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        let client = try NetworkNamespaceFixture(prefix: "fab-client")
        defer { client.delete() }
        try namespace.ipBatch([
            "link set lo up", "link add tls0 type veth peer name tls1 netns \(client.name)",
            "addr add 10.99.0.1/24 dev tls0", "link set tls0 up",
        ])
        try client.ipBatch(["link set lo up", "addr add 10.99.0.2/24 dev tls1", "link set tls1 up"])
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AgentProcess.makeSelfSignedCertificate(in: directory, addresses: ["10.99.0.1"])
        let token = "fabric-test-token-\(UUID().uuidString)"
        try token.write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: [
                "--listen", "10.99.0.1:0", "--tls-certificate", directory + "/cert.pem", "--tls-key",
                directory + "/key.pem", "--token-file", directory + "/token", "--ovsdb", "unix:/nonexistent.sock",
            ], directory: directory)
        #expect(agent.bound.hasPrefix("https://10.99.0.1:"))
        let trust = ["--cacert", directory + "/cert.pem"]
        #expect(try agent.curl("/v1/interfaces", extra: trust, namespace: client.name).status == 401)
        #expect(
            try agent.curl(
                "/v1/interfaces", extra: trust + ["-H", "Authorization: Bearer wrong-\(token)"], namespace: client.name
            ).status == 401)
        let ok = try agent.curl(
            "/v1/interfaces", extra: trust + ["-H", "Authorization: Bearer \(token)"], namespace: client.name)
        #expect(ok.status == 200)
        #expect(ok.body.contains(#""name":"tls0""#), "the agent's namespace, served across the link")
        let untrusted = try agent.curl("/healthz", extra: ["-H", "Authorization: Bearer \(token)"], namespace: client.name)
        #expect(untrusted.status == 0, "curl refuses the self-signed certificate without --cacert")
        let plain = try ProcessRunner.run(
            "/usr/sbin/ip",
            ["netns", "exec", client.name, "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
             agent.bound.replacingOccurrences(of: "https://", with: "http://") + "/healthz"])
        #expect(plain.output != "200", "no plain HTTP on the TLS port")
        #expect(!agent.standardError.contains(token), "the token is never logged")
    }

    // MARK: Checkers: prometheus_client, schemathesis, Chromium

    @Test(.enabled(
        if: inNamespace && AgentTestGate.pythonHas("prometheus_client"), "needs root, a built agent and prometheus_client"))
    func metricsParseWithPrometheusClient() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ip("link", "set", "lo", "up")
        try namespace.ip("link", "add", "mx0", "type", "veth", "peer", "name", "mx1")
        // Loopback traffic with known minimums: 6 UDP datagrams (and the ICMP errors they provoke).
        _ = try ProcessRunner.run(
            "/usr/sbin/ip",
            [
                "netns", "exec", namespace.name, "python3", "-c",
                "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                    + "[s.sendto(b'fabric', ('127.0.0.1', 9)) for _ in range(6)]",
            ])
        let socketFolder = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: socketFolder) }
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: ["--listen", "unix:\(socketFolder)/a.sock", "--ovsdb", "unix:/nonexistent.sock"])
        let metrics = try agent.curl("/metrics")
        #expect(metrics.status == 200)
        let metricsFile = agent.directory + "/metrics.txt"
        try metrics.body.write(toFile: metricsFile, atomically: true, encoding: .utf8)
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    out.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
            print(json.dumps(out))
            """
        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, metricsFile])
        #expect(result.status == 0, "\(result.standardError)")
        let samples = try #require(try JSONSerialization.jsonObject(with: result.standardOutput) as? [[String: Any]])
        func value(_ name: String, _ interface: String) -> Double? {
            samples.first { $0["name"] as? String == name && ($0["labels"] as? [String: String])?["interface"] == interface }?["value"]
                as? Double
        }
        let table = try agent.json("/v1/interfaces")
        let lo = try #require((table["interfaces"] as? [[String: Any]])?.first { $0["name"] as? String == "lo" })
        let statistics = try #require(lo["statistics"] as? [String: Any])
        let rxPackets = try #require(statistics["rxPackets"] as? Double)
        #expect(rxPackets >= 6)
        #expect(value("fabric_interface_receive_packets_total", "lo") == rxPackets)
        #expect(value("fabric_interface_transmit_bytes_total", "lo") == statistics["txBytes"] as? Double)
        #expect(value("fabric_interface_oper_up", "mx0") == 0)
        #expect(samples.first { $0["name"] as? String == "fabric_interfaces" }?["value"] as? Double == 3)
        let labels = samples.first { ($0["labels"] as? [String: String])?["interface"] == "mx1" }?["labels"] as? [String: String]
        #expect(labels == ["interface": "mx1", "fabric": "unclassified", "network": ""])
        #expect(samples.contains { $0["family"] as? String == "fabric_interface_receive_bytes" && $0["type"] as? String == "counter" })
    }

    @Test(.enabled(
        if: inNamespace && AgentTestGate.tool("schemathesis") != nil, "needs root, a built agent and schemathesis"))
    func openAPIDocumentMatchesTheLiveAPI() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ip("link", "set", "lo", "up")
        try namespace.ip("link", "add", "sc0", "type", "veth", "peer", "name", "sc1")
        let agent = try AgentProcess(
            namespace: namespace.name, arguments: ["--listen", "127.0.0.1:0", "--ovsdb", "unix:/nonexistent.sock"])
        let schemathesis = try #require(AgentTestGate.tool("schemathesis"))
        // The event stream never ends, so it is described but not fuzzed.
        let result = try ProcessRunner.run(
            "/usr/sbin/ip",
            [
                "netns", "exec", namespace.name, schemathesis, "run", agent.bound + "/openapi.json", "--checks", "all",
                "--max-examples", "25", "--exclude-path", "/v1/events", "--request-timeout", "5",
            ])
        #expect(result.status == 0, "\(result.output.suffix(4000))")
    }

    @Test(.enabled(if: inNamespace && AgentTestGate.tool("chromium") != nil, "needs root, a built agent and chromium"))
    func webPageRendersTheTableInChromium() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ip("link", "set", "lo", "up")
        try namespace.ip("link", "add", "web0", "type", "veth", "peer", "name", "web1")
        let agent = try AgentProcess(
            namespace: namespace.name, arguments: ["--listen", "127.0.0.1:0", "--ovsdb", "unix:/nonexistent.sock"])
        let chromium = try #require(AgentTestGate.tool("chromium"))
        let common = [
            "netns", "exec", namespace.name, chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--user-data-dir=\(agent.directory)/chromium",
        ]
        // No --virtual-time-budget: the page's open EventSource keeps virtual time from ever running out.
        // The first render needs no request (the table is embedded), so the DOM is complete at load.
        let dom = try ProcessRunner.run("/usr/sbin/ip", common + ["--dump-dom", agent.bound + "/"])
        let html = dom.output
        for name in ["lo", "web0", "web1"] {
            #expect(html.contains("<tr data-name=\"\(name)\">"), "row for \(name)")
        }
        #expect(html.components(separatedBy: "<tr data-name=").count - 1 == 3)
        #expect(html.contains("<th>Fabric</th>"))
        #expect(html.contains("class=\"fabric fabric-unclassified\""))
        let screenshot = try AgentProcess.artifact("agent-web.png")
        _ = try ProcessRunner.run(
            "/usr/sbin/ip", common + ["--window-size=1400,400", "--screenshot=\(screenshot)", agent.bound + "/"])
        #expect(FileManager.default.fileExists(atPath: screenshot))
    }

    /// Drives headless Chromium over the DevTools protocol on a pipe (`--remote-debugging-pipe`: no port,
    /// no websocket library): `call`, `page` (evaluate in the page) and `open_live_page`; scenarios follow.
    static let chromiumPrelude = #"""
        import base64, json, os, socket, subprocess, sys, threading, time
        chromium, url, profile = sys.argv[1:4]
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        high_r, high_w = os.dup(to_chrome_r), os.dup(from_chrome_w)
        def child():
            os.dup2(high_r, 3)  # Chromium reads commands on fd 3 and writes answers on fd 4
            os.dup2(high_w, 4)
        browser = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            preexec_fn=child, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r); os.close(from_chrome_w)
        pending = b""
        next_id = 0
        def call(method, params=None, session=None):
            global pending, next_id
            next_id += 1
            message = {"id": next_id, "method": method, "params": params or {}}
            if session: message["sessionId"] = session
            os.write(to_chrome_w, json.dumps(message).encode() + b"\0")
            while True:
                while b"\0" not in pending:
                    chunk = os.read(from_chrome_r, 65536)
                    if not chunk: raise SystemExit("chromium closed the pipe")
                    pending += chunk
                raw, pending = pending.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == next_id:
                    if "error" in answer: raise SystemExit("%s: %s" % (method, answer["error"]))
                    return answer["result"]
        def page(expression):
            result = call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
            return result["result"].get("value")
        def open_live_page():
            global session
            target = call("Target.createTarget", {"url": url})["targetId"]
            session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            deadline = time.monotonic() + 15
            while not str(page("document.getElementById('status') && document.getElementById('status').textContent")).startswith("live"):
                if time.monotonic() > deadline: raise SystemExit("the page never went live")
                time.sleep(0.1)

        """#

    /// Opens the page, changes links once it is live, and reports what the page shows after applying the
    /// `changes` events.
    static let liveChromiumDriver = chromiumPrelude + #"""
        try:
            open_live_page()
            rows = "Array.from(document.querySelectorAll('tr[data-name]')).map(r => r.dataset.name)"
            deadline = time.monotonic() + 15
            before = page(rows)
            subprocess.run(["ip", "link", "add", "web2", "type", "veth", "peer", "name", "web3"], check=True)
            subprocess.run(["ip", "link", "del", "web0"], check=True)
            # About 20 Mbit/s on lo for 3 s: only counter samples that reach the page as changes show it.
            def send():
                sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                end = time.monotonic() + 3
                while time.monotonic() < end:
                    sender.sendto(b"x" * 1200, ("127.0.0.1", 9))
                    time.sleep(0.0005)
            threading.Thread(target=send, daemon=True).start()
            while time.monotonic() < deadline:
                after = page(rows)
                rx = page("document.querySelector('tr[data-name=\"lo\"]').children[4].textContent")
                if sorted(after) == ["lo", "web2", "web3"] and rx != "-" and float(rx) >= 5: break
                time.sleep(0.1)
            print(json.dumps({"before": before, "after": page(rows), "loRx": rx,
                              "status": page("document.getElementById('status').textContent")}))
        finally:
            browser.kill()
            browser.wait()
        """#

    @Test(.enabled(if: inNamespace && AgentTestGate.tool("chromium") != nil, "needs root, a built agent and chromium"))
    func webPageAppliesLiveChangesInChromium() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ipBatch(["link set lo up", "link add web0 type veth peer name web1"])
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: ["--listen", "127.0.0.1:0", "--sample-interval", "0.5", "--ovsdb", "unix:/nonexistent.sock"])
        let chromium = try #require(AgentTestGate.tool("chromium"))
        let result = try ProcessRunner.run(
            "/usr/sbin/ip",
            ["netns", "exec", namespace.name, "python3", "-c", Self.liveChromiumDriver, chromium, agent.bound + "/",
             agent.directory + "/chromium-live"])
        #expect(result.status == 0, "\(result.output) \(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect(Set(report["before"] as? [String] ?? []) == ["lo", "web0", "web1"])
        // Deleting web0 deletes its peer web1 too.
        #expect(Set(report["after"] as? [String] ?? []) == ["lo", "web2", "web3"], "rows after the changes events")
        let loRx = try #require((report["loRx"] as? String).flatMap(Double.init), "lo's Rx cell is a number")
        #expect(loRx >= 5, "the traffic sent after load reaches the page through changes events (\(loRx) Mbit/s)")
        #expect((report["status"] as? String)?.hasPrefix("live") == true)
    }

    /// Clicks the Network Name link of the row `sys.argv[4]`, waits for the network panel, and reports its facts
    /// and a screenshot of the page (`sys.argv[5]`).
    static let networkClickDriver = chromiumPrelude + #"""
        row, screenshot = sys.argv[4:6]
        try:
            open_live_page()
            link = "document.querySelector('tr[data-name=\"%s\"] a.network')" % row
            network = page(link + ".dataset.network")
            page(link + ".click()")
            deadline = time.monotonic() + 15
            facts = "Array.from(document.querySelectorAll('#network dt')).map(dt => [dt.textContent, dt.nextElementSibling.textContent])"
            while not page(facts):
                if time.monotonic() > deadline: raise SystemExit("the network panel never filled")
                time.sleep(0.1)
            # The daemons' panel fills from the first networks event; ovs-vswitchd is always listed.
            agents = "Array.from(document.querySelectorAll('#agents span')).map(s => s.textContent)"
            while not page(agents):
                if time.monotonic() > deadline: raise SystemExit("the agents panel never filled")
                time.sleep(0.1)
            shot = call("Page.captureScreenshot", {"format": "png"}, session)
            with open(screenshot, "wb") as f: f.write(base64.b64decode(shot["data"]))
            print(json.dumps({"network": network, "title": page("document.querySelector('#network h2').textContent"),
                              "facts": dict(page(facts)), "hash": page("location.hash"), "agents": page(agents)}))
        finally:
            browser.kill()
            browser.wait()
        """#

    /// The seed's "click on the network name": a VDSM network shows its VLAN tag and device in a panel.
    @Test(.enabled(if: inNamespace && AgentTestGate.tool("chromium") != nil, "needs root, a built agent and chromium"))
    func clickingANetworkNameShowsItsVLANTagInChromium() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ipBatch(["link set lo up", "link add web0 type veth peer name web1", "link set web0 up"])
        let root = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nets = root + "/var/lib/vdsm/staging/netconf/nets"
        try FileManager.default.createDirectory(atPath: nets, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/sys", withDestinationPath: "/sys")
        try FileManager.default.createSymbolicLink(atPath: root + "/proc", withDestinationPath: "/proc")
        try #"{"nic": "web0", "vlan": 172, "bridged": false, "mtu": 9000, "bootproto": "none", "ipaddr": "192.0.2.7", "prefix": 24}"#
            .write(toFile: nets + "/red", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: ["--listen", "127.0.0.1:0", "--ovsdb", "unix:/nonexistent.sock", "--root", root])
        let chromium = try #require(AgentTestGate.tool("chromium"))
        let screenshot = try AgentProcess.artifact("agent-web-network.png")
        let result = try ProcessRunner.run(
            "/usr/sbin/ip",
            ["netns", "exec", namespace.name, "python3", "-c", Self.networkClickDriver, chromium, agent.bound + "/",
             agent.directory + "/chromium-network", "web0", screenshot])
        #expect(result.status == 0, "\(result.output) \(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect(report["network"] as? String == "red")
        #expect(report["title"] as? String == "Network red")
        #expect(report["hash"] as? String == "#network=red")
        let facts = report["facts"] as? [String: String] ?? [:]
        #expect(facts["Fabric"] == "VDSM")
        #expect(facts["VLAN tag"] == "172")
        #expect(facts["Device"] == "web0")
        #expect(facts["MTU"] == "9000")
        #expect(facts["IPv4"] == "192.0.2.7/24")
        #expect(facts["Interfaces"] == "web0")
        #expect(FileManager.default.fileExists(atPath: screenshot))
        // No OVS here: the daemons' panel says ovs-vswitchd does not run, and why.
        #expect((report["agents"] as? [String])?.first?.hasPrefix("ovs-vswitchd: not running — no pid file") == true, "\(report)")
        #expect(agent.stop() == 0)
    }

    /// "It may show additional information for a Quantum network, for example GRE tunnel information": a vNIC on a
    /// VXLAN network of the Neutron OVS agent, on a real OVS; its panel shows the VNI and the tunnel endpoints, and
    /// the daemons' panel shows ovs-vswitchd running and the tunnel count.
    @Test(.enabled(if: inNamespace && OVSSandbox.isAvailable && AgentTestGate.tool("chromium") != nil,
                   "needs root, a built agent, Open vSwitch and chromium"))
    func clickingAProviderNetworkShowsItsTunnelEndpointsInChromium() throws {
        let sandbox = try OVSSandbox()
        defer { sandbox.stop() }
        let integration = OVSSandbox.uniqueName("bwi"), tunnel = OVSSandbox.uniqueName("bwt")
        let vnic = OVSSandbox.uniqueName("twv")
        let network = "7a3f9e21-0000-4000-8000-0000000000b1"
        _ = try sandbox.vsctl([
            "add-br", integration, "--", "set", "Bridge", integration, "datapath_type=netdev",
            "--", "add-br", tunnel, "--", "set", "Bridge", tunnel, "datapath_type=netdev",
            "--", "add-port", integration, vnic, "tag=3", "--", "set", "Interface", vnic, "type=internal",
            "external_ids:iface-id=1b2c3d4e-0000-4000-8000-0000000000b2", "external_ids:vm-id=vm-web",
            "--", "set", "Port", vnic, "other_config:net_uuid=\(network)", "other_config:network_type=vxlan",
            "other_config:segmentation_id=7001",
            "--", "add-port", tunnel, "vxlan-c000020c", "--", "set", "Interface", "vxlan-c000020c", "type=vxlan",
            "options:local_ip=192.0.2.11", "options:remote_ip=192.0.2.12", "options:in_key=flow", "options:out_key=flow",
        ], wait: true)
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ini = directory + "/openvswitch_agent.ini"
        try "[ovs]\nintegration_bridge = \(integration)\ntunnel_bridge = \(tunnel)\n[agent]\ntunnel_types = vxlan\n"
            .write(toFile: ini, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: [
            "--listen", "127.0.0.1:0", "--ovsdb", sandbox.remote, "--neutron-ovs-agent-config", ini,
            "--neutron-linuxbridge-agent-config", "/nonexistent",
        ])
        defer { _ = agent.stop() }
        #expect(try AgentProcess.eventually {
            ((try agent.json("/v1/interfaces/\(vnic)"))["classification"] as? [String: Any])?["networkName"] as? String == network
        })
        let chromium = try #require(AgentTestGate.tool("chromium"))
        let screenshot = try AgentProcess.artifact("agent-web-provider-network.png")
        let result = try ProcessRunner.run(
            "python3", ["-c", Self.networkClickDriver, chromium, agent.bound + "/", agent.directory + "/chromium-network", vnic, screenshot])
        #expect(result.status == 0, "\(result.output) \(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect(report["network"] as? String == network)
        let facts = report["facts"] as? [String: String] ?? [:]
        #expect(facts["Fabric"] == "Open vSwitch")
        #expect(facts["Network type"] == "vxlan")
        #expect(facts["Tunnel key (VNI)"] == "7001")
        #expect(facts["Local VLAN"] == "3")
        #expect(facts["Tunnel endpoints"]?.hasPrefix("vxlan 192.0.2.11 → 192.0.2.12 key flow (") == true, "\(facts)")
        let agents = report["agents"] as? [String] ?? []
        #expect(agents.first?.hasPrefix("ovs-vswitchd: running (") == true, "\(agents)")
        #expect(agents.contains { $0.hasPrefix("tunnels: ") }, "\(agents)")
        #expect(FileManager.default.fileExists(atPath: screenshot))
    }

    // MARK: VDSM after_get_caps hook

    @Test(.enabled(
        if: inNamespace && BuiltProducts.path("after_get_caps") != nil, "needs root, the built agent and hook"))
    func afterGetCapsAddsTheTableWithAgentUpAndDown() throws {
        let hook = try #require(BuiltProducts.path("after_get_caps"))
        let namespace = try NetworkNamespaceFixture(prefix: "fab-agent")
        defer { namespace.delete() }
        try namespace.ip("link", "add", "cap0", "type", "veth", "peer", "name", "cap1")
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/agent.sock"
        let original = #"{"kvmEnabled":"true","cpuCores":"4","networks":{"ovirtmgmt":{"mtu":"1500"}},"version":[4,5.25,null]}"#

        func runHook(_ content: String) throws -> (status: Int32, caps: String, stderr: String) {
            let caps = directory + "/caps-\(UUID().uuidString.prefix(6)).json"
            try content.write(toFile: caps, atomically: true, encoding: .utf8)
            let settings = try HookSettingsOverlay(settings: "agent_socket = \(socket)\novsdb = unix:\(directory)/db.sock\n")
            let command = settings.commandPrefix
                + ["/usr/bin/env", "_hook_json=\(caps)", "/usr/sbin/ip", "netns", "exec", namespace.name, hook]
            let result = try withExtendedLifetime(settings) { try ProcessRunner.run(command[0], Array(command.dropFirst())) }
            return (result.status, try String(contentsOfFile: caps, encoding: .utf8), result.standardError)
        }
        func check(_ caps: String) throws -> [String: Any] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(caps.utf8)) as? [String: Any])
            let before = try #require(try JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: Any])
            for (key, value) in before {
                #expect(NSDictionary(dictionary: [key: value]).isEqual(to: [key: object[key] as Any]), "\(key) preserved")
            }
            let table = try #require(object["fabric_host_interfaces"] as? [String: Any])
            #expect(table["schema"] as? String == "fabric.host-interfaces")
            let names = Set((table["interfaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
            #expect(names == ["lo", "cap0", "cap1"])
            return table
        }

        func provides(_ caps: String) throws -> [String: Any] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(caps.utf8)) as? [String: Any])
            return try #require(object["fabric_provides"] as? [String: Any])
        }

        let ini = directory + "/openvswitch_agent.ini"
        try "[ovs]\nbridge_mappings = physnet7:br-seven\n[agent]\ntunnel_types = vxlan\n"
            .write(toFile: ini, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            namespace: namespace.name,
            arguments: [
                "--listen", "unix:" + socket, "--sample-interval", "0.5", "--ovsdb", "unix:/nonexistent.sock",
                "--neutron-ovs-agent-config", ini,
            ],
            directory: directory)
        #expect(try AgentProcess.eventually { try agent.json("/v1/interfaces")["intervalSeconds"] != nil })
        let up = try runHook(original)
        #expect(up.status == 0)
        let served = try check(up.caps)
        #expect(served["intervalSeconds"] != nil, "from the agent: with rates")
        #expect(((served["sources"] as? [String: Any])?["agent"] as? [String: Any])?["answered"] as? Bool == true)
        #expect(up.stderr.isEmpty, "\(up.stderr)")
        // What the host provides, for the engine to ask before it places a VM on a provider network: the agent's
        // mappings and tunnel types; OVN's part unknown, since the database cannot be read.
        let reach = try provides(up.caps)
        let physical = reach["physicalNetworks"] as? [[String: String]]
        #expect(physical == [["name": "physnet7", "via": "openvswitch", "device": "br-seven"]])
        #expect(reach["overlayTypes"] as? [String] == ["vxlan"])
        #expect((reach["unknown"] as? String)?.contains("Open vSwitch database could not be read") == true)

        agent.stop()
        let down = try runHook(original)
        #expect(down.status == 0)
        let snapshot = try check(down.caps)
        #expect(snapshot["intervalSeconds"] == nil, "instant snapshot: no rates")
        let agentSource = (snapshot["sources"] as? [String: Any])?["agent"] as? [String: Any]
        #expect(agentSource?["answered"] as? Bool == false)
        #expect(agentSource?["socket"] as? String == socket)
        #expect(down.caps.contains("openstack_binding_host_ids") == false, "OVS unreachable: no binding key")
        #expect(down.stderr.contains("instant snapshot"))
        // Without the agent the hook reads the default Neutron files (none here) and says OVN's part is unknown.
        let fallback = try provides(down.caps)
        #expect((fallback["physicalNetworks"] as? [Any])?.isEmpty == true)
        #expect(fallback["unknown"] != nil)

        let malformed = #"{"kvmEnabled": "true", "#
        let bad = try runHook(malformed)
        #expect(bad.status == 0)
        #expect(bad.caps == malformed)
    }

    // MARK: systemd unit

    @Test(.enabled(
        if: AgentTestGate.tool("systemd-analyze") != nil && AgentProcess.binary != nil,
        "needs systemd-analyze (apt-get install systemd) and a built fabric-agent"))
    func systemdUnitVerifies() throws {
        let unitPath = FileManager.default.currentDirectoryPath + "/systemd/fabric-agent.service"
        var unit = try String(contentsOfFile: unitPath, encoding: .utf8)
        for line in ["Type=notify", "ExecStart=/usr/bin/fabric-agent serve", "ExecReload=/bin/kill -HUP $MAINPID",
                     "Restart=on-failure", "ProtectSystem=strict", "NoNewPrivileges=yes", "RuntimeDirectory=fabric"] {
            #expect(unit.contains("\n" + line + "\n"), "\(line)")
        }
        // verify checks that ExecStart exists; point it at the build when fabric-agent is not installed.
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/fabric-agent") {
            unit = unit.replacingOccurrences(
                of: "ExecStart=/usr/bin/fabric-agent", with: "ExecStart=\(AgentProcess.binary!)")
        }
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try unit.write(toFile: directory + "/fabric-agent.service", atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("/usr/bin/systemd-analyze", ["verify", directory + "/fabric-agent.service"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains("fabric-agent.service"), "\(result.standardError)")
    }
}
