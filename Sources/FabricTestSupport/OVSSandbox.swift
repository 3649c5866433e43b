// SPDX-License-Identifier: Apache-2.0

import Foundation

/// A private Open vSwitch for tests: its own `ovsdb-server` and `ovs-vswitchd` (userspace datapath)
/// in a temporary folder with their own database socket, pidfiles, control sockets and logs, and
/// `OVS_RUNDIR` pointing there. The system's OVS service is never touched.
///
/// Daemons are stopped by the pids in their pidfiles in ``stop()`` and in `deinit`, so a failing test
/// that drops the sandbox still cleans up. Bridges must use `datapath_type=netdev`; their tun devices
/// live in the host's network namespace, so name them with ``uniqueName(_:)``. ``stop()`` deletes
/// every bridge first so those devices go away with it.
public final class OVSSandbox: @unchecked Sendable {
    public static let schemaPath = "/usr/share/openvswitch/vswitch.ovsschema"

    /// Why a sandbox cannot run here, or `nil` when it can. For `.enabled(if:)` traits.
    /// Where every sandbox's folder is made (`mkdtemp`).
    public static let directoryPrefix = "/tmp/ovsbox."

    public static var unavailableReason: String? {
        for tool in ["/usr/sbin/ovsdb-server", "/usr/sbin/ovs-vswitchd", "/usr/bin/ovs-vsctl", "/usr/bin/ovsdb-tool"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (apt-get install openvswitch-switch)"
        }
        if !FileManager.default.fileExists(atPath: schemaPath) { return "\(schemaPath) is missing" }
        if geteuid() != 0 { return "ovs-vswitchd needs root (tun devices for the userspace datapath)" }
        return nil
    }

    public static var isAvailable: Bool { unavailableReason == nil }

    /// The sandbox folder (also `OVS_RUNDIR` for the daemons).
    public let directory: String
    public var socketPath: String { directory + "/db.sock" }
    /// The database remote for `ovs-vsctl --db=` and for the client: `unix:<dir>/db.sock`.
    public var remote: String { "unix:" + socketPath }

    private let lock = NSLock()
    private var stopped = false

    /// `USER:GROUP` the database server runs as (`--user`), or `nil` for the caller (root).
    public let owner: String?

    /// Creates the database and starts both daemons.
    ///
    /// - Parameters:
    ///   - startSwitch: `false` runs only `ovsdb-server` (enough for pure database tests).
    ///   - owner: run `ovsdb-server` as `USER:GROUP` the way EL's packages do (`openvswitch:hugetlbfs`): the
    ///     folder is the daemon's run directory, owned by it and 0750, and the daemon starts with `ovs-ctl`'s
    ///     umask 0002, so its database socket is 0770 (OVS asks for user and group access).
    public init(startSwitch: Bool = true, owner: String? = nil) throws {
        if let reason = Self.unavailableReason { throw SandboxError(message: reason) }
        // Short path: sockaddr_un holds 107 bytes and the control socket names are long.
        let template = Self.directoryPrefix + "XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else { throw SandboxError(message: "mkdtemp failed: errno \(errno)") }
        directory = String(cString: created)
        self.owner = owner
        do {
            try Self.run(
                "/usr/bin/ovsdb-tool", ["create", directory + "/conf.db", Self.schemaPath], environment: environment)
            try startDatabaseServer(database: directory + "/conf.db", socket: socketPath, name: "ovsdb-server")
            try vsctl(["init"])
            if startSwitch {
                try Self.run(
                    "/usr/sbin/ovs-vswitchd",
                    [
                        remote, "--pidfile=" + directory + "/ovs-vswitchd.pid",
                        "--unixctl=" + directory + "/ovs-vswitchd.ctl",
                        "--log-file=" + directory + "/ovs-vswitchd.log", "-vconsole:off", "--detach",
                    ], environment: environment)
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// The environment for OVS tools run against this sandbox.
    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["OVS_RUNDIR"] = directory
        environment["OVS_LOGDIR"] = directory
        environment["OVS_DBDIR"] = directory
        return environment
    }

    /// A name no other test or helper uses, at most 15 characters (the kernel's limit), e.g. `bi3fa9c1`.
    public static func uniqueName(_ prefix: String) -> String {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return String((prefix + suffix).prefix(15))
    }

    /// Runs `ovs-vsctl --db=<this sandbox> --timeout=10 --no-wait ARGS` and returns its stdout.
    @discardableResult
    public func vsctl(_ arguments: [String], wait: Bool = false) throws -> String {
        var all = ["--db=" + remote, "--timeout=10"]
        if !wait { all.append("--no-wait") }
        return try Self.run("/usr/bin/ovs-vsctl", all + arguments, environment: environment)
    }

    @discardableResult
    public func vsctl(_ arguments: String...) throws -> String { try vsctl(arguments) }

    /// Waits until `ovs-vswitchd` has processed every Interface (each has an `ofport`, −1 on failure).
    public func waitForSwitch(seconds: Double = 10) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let json = try vsctl("--format=json", "--columns=ofport", "list", "Interface")
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let rows = object?["data"] as? [[Any]] ?? []
            // An unassigned ofport is the empty set ["set",[]]; an assigned one is a bare integer.
            if rows.allSatisfy({ $0.first is NSNumber }) { return }
            if Date() > deadline { throw SandboxError(message: "ovs-vswitchd did not assign ofports: \(json)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Starts one `ovsdb-server` for `database` in this folder, as ``owner`` when one is set (the database file
    /// and its lock are then given to it first).
    func startDatabaseServer(database: String, socket: String, name: String) throws {
        var command = [
            "/usr/sbin/ovsdb-server", database, "--remote=punix:" + socket, "--pidfile=" + directory + "/\(name).pid",
            "--unixctl=" + directory + "/\(name).ctl", "--log-file=" + directory + "/\(name).log", "-vconsole:off", "--detach",
        ]
        if let owner {
            try giveToOwner(directory)
            try giveToOwner(database)
            // ovsdb-tool, run as root, leaves its lock file behind; the server must be able to take it.
            let slash = database.lastIndex(of: "/")!
            unlink(String(database[...slash]) + "." + database[database.index(after: slash)...] + ".~lock~")
            command += ["--user=" + owner]
        }
        try runWithOVSUmask(command, environment: environment)
    }

    /// Runs `command` with umask 0002 when the sandbox has an ``owner``, as EL's `ovs-ctl` starts its daemons.
    func runWithOVSUmask(_ command: [String], environment: [String: String]) throws {
        if owner == nil {
            try Self.run(command[0], Array(command.dropFirst()), environment: environment)
        } else {
            try Self.run("/bin/sh", ["-c", "umask 0002 && exec \"$0\" \"$@\""] + command, environment: environment)
        }
    }

    func giveToOwner(_ path: String) throws {
        guard let owner else { return }
        try Self.run("/bin/chown", [owner, path])
        if path == directory { try Self.run("/bin/chmod", ["0750", path]) }
    }

    /// Starts a southbound database and `ovn-controller` (both as ``owner``), with this switch's
    /// `external_ids` pointing ovn-controller at it, as on a host of ovirt-provider-ovn. ovn-controller registers
    /// a chassis named after `system-id`.
    /// - Returns: the southbound database remote, `unix:PATH`.
    @discardableResult
    public func startOVNController(systemID: String, hostname: String, encapIP: String = "127.0.0.1") throws -> String {
        for tool in ["/usr/bin/ovn-controller", "/usr/bin/ovn-sbctl"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw SandboxError(message: "\(tool) is missing (apt-get install ovn-host ovn-central)")
        }
        let database = directory + "/ovnsb.db"
        try Self.run("/usr/bin/ovsdb-tool", ["create", database, Self.southboundSchemaPath], environment: environment)
        let southbound = directory + "/ovnsb.sock"
        try startDatabaseServer(database: database, socket: southbound, name: "ovnsb")
        try vsctl(
            "set", "Open_vSwitch", ".", "external_ids:system-id=\(systemID)", "external_ids:hostname=\(hostname)",
            "external_ids:ovn-remote=unix:\(southbound)", "external_ids:ovn-encap-type=geneve",
            "external_ids:ovn-encap-ip=\(encapIP)")
        var environment = environment
        environment["OVN_RUNDIR"] = directory
        var command = [
            "/usr/bin/ovn-controller", remote, "--pidfile=" + directory + "/ovn-controller.pid",
            "--log-file=" + directory + "/ovn-controller.log", "-vconsole:off", "--detach",
        ]
        if let owner { command.append("--user=" + owner) }
        try runWithOVSUmask(command, environment: environment)
        return "unix:" + southbound
    }

    public static let southboundSchemaPath = "/usr/share/ovn/ovn-sb.ovsschema"

    /// Stops `ovsdb-server` only, leaving the switch running without its database.
    public func stopDatabase() {
        Self.kill(pidfile: directory + "/ovsdb-server.pid")
    }

    /// Stops `ovs-vswitchd` only, as a crash of the switch daemon would.
    public func stopSwitch() {
        Self.kill(pidfile: directory + "/ovs-vswitchd.pid")
    }

    /// Starts `ovsdb-server` again on the same database and socket, as a restart after ``stopDatabase()``.
    public func startDatabase() throws {
        try startDatabaseServer(database: directory + "/conf.db", socket: socketPath, name: "ovsdb-server")
    }

    /// Deletes the bridges (so their tun devices leave the kernel), stops both daemons by pid and
    /// removes the folder. Safe to call more than once.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return }
        stopped = true
        let fm = FileManager.default
        let listed = fm.fileExists(atPath: socketPath) ? try? vsctl(["list-br"]) : nil
        let bridges = listed?.split(separator: "\n").map(String.init) ?? []
        let switchRuns = fm.fileExists(atPath: directory + "/ovs-vswitchd.pid")
        for bridge in bridges where switchRuns {
            _ = try? vsctl(["--if-exists", "del-br", bridge], wait: true)
        }
        Self.kill(pidfile: directory + "/ovn-controller.pid")
        Self.kill(pidfile: directory + "/ovs-vswitchd.pid")
        Self.kill(pidfile: directory + "/ovsdb-server.pid")
        Self.kill(pidfile: directory + "/ovnsb.pid")
        // A switch stopped before (``stopSwitch()``) left its userspace bridges' tap devices, which are
        // persistent, in the host's namespace: one more after every run of such a test.
        for bridge in bridges where !switchRuns && fm.fileExists(atPath: "/sys/class/net/\(bridge)") {
            _ = try? Self.run("/usr/sbin/ip", ["link", "del", bridge])
        }
        try? fm.removeItem(atPath: directory)
    }

    private static func kill(pidfile: String) {
        guard let text = try? String(contentsOfFile: pidfile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { return }
        guard Foundation.kill(pid, SIGTERM) == 0 else { return }
        for _ in 0..<100 {
            if Foundation.kill(pid, 0) != 0 { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        _ = Foundation.kill(pid, SIGKILL)
    }

    /// Runs a tool to completion, returning stdout; throws with stderr on a non-zero exit.
    ///
    /// Uses `posix_spawn` with an empty signal mask and default dispositions: a test runner blocks
    /// most signals in its threads, and a daemon inheriting that mask would ignore our SIGTERM.
    /// Output goes to files, not pipes, because a daemon started with `--detach` keeps inherited
    /// descriptors open and a pipe would never reach end-of-file.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> String
    {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("ovsbox-\(UUID().uuidString)").path
        let errPath = outPath + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SandboxError(message: "cannot run \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let exitedCleanly = status & 0x7f == 0 && (status >> 8) & 0xff == 0
        guard exitedCleanly else {
            let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw SandboxError(
                message: "\(executable) \(arguments.joined(separator: " ")) failed (wait status \(status)): \(stderr)")
        }
        return stdout
    }
}

public struct SandboxError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
