// SPDX-License-Identifier: Apache-2.0

import Foundation

/// A private OVN deployment for tests: northbound and southbound `ovsdb-server`s with `ovn-northd` in the
/// host's namespace, and chassis each in a network namespace of its own with its own `ovsdb-server`,
/// `ovs-vswitchd` (userspace `netdev` datapath) and `ovn-controller`, the namespaces joined by one veth pair that
/// carries the Geneve tunnel endpoints.
///
/// Every daemon listens on a unix socket in the sandbox's folder and is stopped by the pid in its pidfile; the
/// namespaces (and with them the veth pair and the switches' tun devices) are deleted in ``stop()``, also from
/// `deinit`.
public final class OVNSandbox: @unchecked Sendable {
    public static let northboundSchema = "/usr/share/ovn/ovn-nb.ovsschema"
    public static let southboundSchema = "/usr/share/ovn/ovn-sb.ovsschema"
    public static let switchSchema = OVSSandbox.schemaPath

    /// Why the sandbox cannot run here, or `nil` when it can. For `.enabled(if:)` traits.
    public static var unavailableReason: String? {
        let tools = [
            ("/usr/sbin/ovsdb-server", "openvswitch-switch"), ("/usr/sbin/ovs-vswitchd", "openvswitch-switch"),
            ("/usr/bin/ovs-vsctl", "openvswitch-switch"), ("/usr/bin/ovsdb-tool", "openvswitch-switch"),
            ("/usr/bin/ovn-northd", "ovn-central"), ("/usr/bin/ovn-nbctl", "ovn-central"),
            ("/usr/bin/ovn-controller", "ovn-host"), ("/usr/sbin/ip", "iproute2"),
        ]
        for (tool, package) in tools where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (apt-get install \(package))"
        }
        for schema in [northboundSchema, southboundSchema, switchSchema]
        where !FileManager.default.fileExists(atPath: schema) {
            return "\(schema) is missing"
        }
        if geteuid() != 0 { return "network namespaces and ovs-vswitchd's tun devices need root" }
        return nil
    }

    /// One hypervisor: a namespace with its switch and ovn-controller.
    public final class Chassis: @unchecked Sendable {
        /// The chassis name (`external_ids:system-id`).
        public let name: String
        public let hostname: String
        public let namespace: String
        /// The switch's folder, also ovn-controller's run directory (`OVN_RUNDIR`).
        public let directory: String
        /// The tunnel endpoint, on the namespace's end of the veth pair.
        public let encapIP: String
        public var switchSocket: String { directory + "/db.sock" }
        public var switchRemote: String { "unix:" + switchSocket }

        init(name: String, hostname: String, namespace: String, directory: String, encapIP: String) {
            self.name = name
            self.hostname = hostname
            self.namespace = namespace
            self.directory = directory
            self.encapIP = encapIP
        }

        var environment: [String: String] {
            var environment = ProcessInfo.processInfo.environment
            environment["OVS_RUNDIR"] = directory
            environment["OVS_LOGDIR"] = directory
            environment["OVS_DBDIR"] = directory
            environment["OVN_RUNDIR"] = directory
            return environment
        }

        /// Runs `ovs-vsctl` against this chassis' switch.
        @discardableResult
        public func vsctl(_ arguments: [String], wait: Bool = false) throws -> String {
            var all = ["--db=" + switchRemote, "--timeout=10"]
            if !wait { all.append("--no-wait") }
            return try OVSSandbox.run("/usr/bin/ovs-vsctl", all + arguments, environment: environment)
        }

        /// Runs `command` inside this chassis' namespace.
        func runInNamespace(_ command: [String]) throws {
            try OVSSandbox.run("/usr/sbin/ip", ["netns", "exec", namespace] + command, environment: environment)
        }

        /// ovn-controller's pid, from its pidfile.
        public var controllerPID: Int? { OVNSandbox.pid(in: directory + "/ovn-controller.pid").map(Int.init) }
    }

    public let directory: String
    public var northboundRemote: String { "unix:" + directory + "/nb.sock" }
    public var southboundRemote: String { "unix:" + directory + "/sb.sock" }
    /// The southbound server also listens on loopback TCP, for clients of `tcp:` remotes (ovn-controller uses the
    /// unix socket: the chassis' namespaces have no route to the host's loopback).
    public let southboundTCPPort = UInt16.random(in: 20000...60000)
    public var southboundTCPRemote: String { "tcp:127.0.0.1:\(southboundTCPPort)" }
    /// With a CA, the southbound server also listens on loopback TLS (`pssl:`), with a certificate of that CA, and
    /// asks clients for one of it, as a production southbound does.
    public let southboundTLS: TestCertificateAuthority?
    public let southboundSSLPort = UInt16.random(in: 20000...60000)
    public var southboundSSLRemote: String { "ssl:127.0.0.1:\(southboundSSLPort)" }
    public private(set) var chassis: [Chassis] = []
    private let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private var namespaces: [String] = []
    private let lock = NSLock()
    private var stopped = false

    /// Starts the central daemons and `count` chassis (at most 2: one veth pair joins them).
    public init(chassisCount: Int = 2, southboundTLS: TestCertificateAuthority? = nil) throws {
        self.southboundTLS = southboundTLS
        if let reason = Self.unavailableReason { throw SandboxError(message: reason) }
        precondition((1...2).contains(chassisCount), "one veth pair joins at most two chassis")
        var bytes = Array("/tmp/ovnbox.XXXXXX".utf8CString)
        guard let created = mkdtemp(&bytes) else { throw SandboxError(message: "mkdtemp failed: errno \(errno)") }
        directory = String(cString: created)
        do {
            try startCentral()
            let names = ["a", "b"].prefix(chassisCount)
            for (index, letter) in names.enumerated() {
                let namespace = "fovn\(letter)\(tag)"
                try OVSSandbox.run("/usr/sbin/ip", ["netns", "add", namespace])
                namespaces.append(namespace)
                let folder = directory + "/" + letter
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
                chassis.append(
                    Chassis(
                        name: "chassis-\(letter)-\(tag)", hostname: "host-\(letter)", namespace: namespace,
                        directory: folder, encapIP: "172.31.\(UInt8.random(in: 1...254)).\(index + 1)"))
            }
            if chassis.count == 2 {
                // Both ends in one subnet: the second address reuses the first's third octet.
                let subnet = chassis[0].encapIP.split(separator: ".").prefix(3).joined(separator: ".")
                chassis[1] = Chassis(
                    name: chassis[1].name, hostname: chassis[1].hostname, namespace: chassis[1].namespace,
                    directory: chassis[1].directory, encapIP: subnet + ".2")
                try OVSSandbox.run(
                    "/usr/sbin/ip",
                    ["link", "add", "fva" + tag, "netns", chassis[0].namespace, "type", "veth", "peer", "name",
                     "fvb" + tag, "netns", chassis[1].namespace])
            }
            for (index, member) in chassis.enumerated() {
                let device = (index == 0 ? "fva" : "fvb") + tag
                try member.runInNamespace(["/usr/sbin/ip", "link", "set", "lo", "up"])
                if chassis.count == 2 {
                    try member.runInNamespace(["/usr/sbin/ip", "addr", "add", member.encapIP + "/24", "dev", device])
                    try member.runInNamespace(["/usr/sbin/ip", "link", "set", device, "up"])
                }
                try startChassis(member)
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    private func startDatabase(_ name: String, schema: String) throws {
        try OVSSandbox.run("/usr/bin/ovsdb-tool", ["create", "\(directory)/\(name).db", schema])
        try startDatabaseServer(name)
    }

    private func startDatabaseServer(_ name: String) throws {
        var arguments = [
            "\(directory)/\(name).db", "--remote=punix:\(directory)/\(name).sock",
            "--pidfile=\(directory)/\(name).pid", "--unixctl=\(directory)/\(name).ctl",
            "--log-file=\(directory)/\(name).log", "-vconsole:off", "--detach",
        ]
        if name == "sb" { arguments.append("--remote=ptcp:\(southboundTCPPort):127.0.0.1") }
        if name == "sb", let ca = southboundTLS {
            let (key, certificate) = try ca.issue("southbound")
            arguments += [
                "--remote=pssl:\(southboundSSLPort):127.0.0.1", "--private-key=" + key, "--certificate=" + certificate,
                "--ca-cert=" + ca.certificate,
            ]
        }
        try OVSSandbox.run("/usr/sbin/ovsdb-server", arguments)
    }

    private func startCentral() throws {
        try startDatabase("nb", schema: Self.northboundSchema)
        try startDatabase("sb", schema: Self.southboundSchema)
        try OVSSandbox.run(
            "/usr/bin/ovn-northd",
            [
                "--ovnnb-db=" + northboundRemote, "--ovnsb-db=" + southboundRemote,
                "--pidfile=\(directory)/northd.pid", "--unixctl=\(directory)/northd.ctl",
                "--log-file=\(directory)/northd.log", "-vconsole:off", "--detach",
            ])
    }

    private func startChassis(_ member: Chassis) throws {
        let folder = member.directory
        try OVSSandbox.run("/usr/bin/ovsdb-tool", ["create", folder + "/conf.db", Self.switchSchema])
        try member.runInNamespace([
            "/usr/sbin/ovsdb-server", folder + "/conf.db", "--remote=punix:" + member.switchSocket,
            "--pidfile=\(folder)/ovsdb-server.pid", "--unixctl=\(folder)/ovsdb-server.ctl",
            "--log-file=\(folder)/ovsdb-server.log", "-vconsole:off", "--detach",
        ])
        try member.vsctl(["init"])
        try member.runInNamespace([
            "/usr/sbin/ovs-vswitchd", member.switchRemote, "--pidfile=\(folder)/ovs-vswitchd.pid",
            "--unixctl=\(folder)/ovs-vswitchd.ctl", "--log-file=\(folder)/ovs-vswitchd.log", "-vconsole:off",
            "--detach",
        ])
        try member.vsctl([
            "--", "add-br", "br-int", "--", "set", "Bridge", "br-int", "datapath_type=netdev", "fail-mode=secure",
            "--", "set", "Open_vSwitch", ".", "external_ids:system-id=\(member.name)",
            "external_ids:hostname=\(member.hostname)", "external_ids:ovn-remote=\(southboundRemote)",
            "external_ids:ovn-encap-type=geneve", "external_ids:ovn-encap-ip=\(member.encapIP)",
            "external_ids:ovn-bridge-datapath-type=netdev",
        ])
        try member.runInNamespace([
            "/usr/bin/ovn-controller", member.switchRemote, "--pidfile=\(folder)/ovn-controller.pid",
            "--log-file=\(folder)/ovn-controller.log", "-vconsole:off", "--detach",
        ])
    }

    /// Runs `ovn-nbctl` against the northbound database and returns its stdout.
    @discardableResult
    public func nbctl(_ arguments: String...) throws -> String {
        try OVSSandbox.run("/usr/bin/ovn-nbctl", ["--db=" + northboundRemote, "--timeout=10"] + arguments)
    }

    /// Stops the southbound `ovsdb-server` (by pid), leaving its database file for ``startSouthbound()``.
    public func stopSouthbound() {
        Self.kill(pidfile: directory + "/sb.pid")
    }

    /// Starts the southbound `ovsdb-server` again on the same database and socket.
    public func startSouthbound() throws {
        try startDatabaseServer("sb")
    }

    /// Stops every daemon by pid, deletes the namespaces and the folder. Safe to call more than once.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return }
        stopped = true
        for member in chassis {
            // ovn-controller first, so it does not recreate what the switch loses meanwhile.
            Self.kill(pidfile: member.directory + "/ovn-controller.pid")
            _ = try? member.vsctl(["--if-exists", "del-br", "br-int"], wait: false)
            Self.kill(pidfile: member.directory + "/ovs-vswitchd.pid")
            Self.kill(pidfile: member.directory + "/ovsdb-server.pid")
        }
        for name in ["northd", "nb", "sb"] { Self.kill(pidfile: "\(directory)/\(name).pid") }
        for namespace in namespaces { _ = try? OVSSandbox.run("/usr/sbin/ip", ["netns", "delete", namespace]) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func pid(in pidfile: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: pidfile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { return nil }
        return pid
    }

    private static func kill(pidfile: String) {
        guard let pid = pid(in: pidfile), Foundation.kill(pid, SIGTERM) == 0 else { return }
        for _ in 0..<150 {
            if Foundation.kill(pid, 0) != 0 { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        _ = Foundation.kill(pid, SIGKILL)
    }
}
