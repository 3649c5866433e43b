// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB
internal import FabricJSON
internal import FabricPOSIX

/// One of the provider's daemons on this host and its health: what "the hooking and management to the agents"
/// needs to see before blaming the network.
public struct ProviderAgent: Sendable, Hashable, Codable {
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable {
        case ovsVSwitchd = "ovs-vswitchd"
        case ovnController = "ovn-controller"
        case neutronOpenVSwitchAgent = "neutron-openvswitch-agent"
        case neutronLinuxBridgeAgent = "neutron-linuxbridge-agent"

        /// The process name the kernel shows (`/proc/PID/comm`, 15 bytes at most).
        var processName: String { String(rawValue.prefix(15)) }
    }

    public var name: Name
    public var running: Bool
    public var pid: Int32?
    /// How `running` was found: `pidfile`, `unixctl`, `systemd cgroup`, `process table`.
    public var evidence: String?
    /// The daemon's own version (ovs-vswitchd's `version` over its control socket, else `ovs_version`).
    public var version: String?
    /// ovs-vswitchd: the datapath types it supports (`netdev`, `system`).
    public var datapathTypes: [String]?
    /// The Neutron agents: the configuration file fabric reads for them, and whether it exists.
    public var configFile: String?
    public var configFileExists: Bool?
    /// ovn-controller: whether it is connected to the southbound database (`connection-status`).
    public var connected: Bool?
    /// Why something about the agent is unknown or wrong, in one sentence.
    public var problem: String?

    public init(name: Name, running: Bool) {
        self.name = name
        self.running = running
    }

    /// ovn-controller, as the OVN view read it (its pid file and its control socket).
    public init(ovnController status: OVNControllerStatus) {
        self.init(name: .ovnController, running: status.running)
        pid = status.pid.map { Int32(truncatingIfNeeded: $0) }
        evidence = status.running ? "pidfile" : nil
        connected = status.connected
        problem = status.error ?? (status.connected == false ? "not connected to the southbound database" : nil)
    }

    /// With what the OVS database records about ovs-vswitchd: its datapath types, and `ovs_version` when its
    /// control socket did not tell.
    public func completed(with switchState: SwitchState?) -> ProviderAgent {
        guard name == .ovsVSwitchd, let switchState else { return self }
        var agent = self
        agent.version = version ?? switchState.ovsVersion
        agent.datapathTypes = switchState.datapathTypes
        return agent
    }
}

/// Finds the provider's daemons without spawning anything, in the ways that still work under the agent's
/// sandbox (`ProtectProc=invisible` hides other users' processes in `/proc`): a pid file and the daemon's
/// control socket for ovs-vswitchd, the systemd unit's cgroup for the Neutron agents, the process table as the
/// last resort (hosts without systemd, or an agent run as root).
public struct ProviderAgentsProbe: Sendable {
    public var files: HostFiles
    /// The folder of ovs-vswitchd's pid file and control socket (the OVS run directory, beside `db.sock`); not
    /// under `files`' root.
    public var ovsRunDirectory: String
    public var ovsAgentConfigPath: String
    public var linuxBridgeAgentConfigPath: String
    /// How long a daemon's control socket may take to answer.
    public var controlTimeout: Duration

    public init(
        files: HostFiles = HostFiles(), ovsRunDirectory: String = "/run/openvswitch",
        ovsAgentConfigPath: String = NeutronAgentConfig.defaultOVSAgentPath,
        linuxBridgeAgentConfigPath: String = NeutronAgentConfig.defaultLinuxBridgeAgentPath,
        controlTimeout: Duration = .seconds(1)
    ) {
        self.files = files
        self.ovsRunDirectory = ovsRunDirectory
        self.ovsAgentConfigPath = ovsAgentConfigPath
        self.linuxBridgeAgentConfigPath = linuxBridgeAgentConfigPath
        self.controlTimeout = controlTimeout
    }

    /// ovs-vswitchd always (fabric's table depends on it), each Neutron agent when it runs or its configuration
    /// file exists. What the OVS database adds comes with ``ProviderAgent/completed(with:)``.
    public func agents() -> [ProviderAgent] {
        var agents = [vswitchd()]
        for (name, path) in [
            (ProviderAgent.Name.neutronOpenVSwitchAgent, ovsAgentConfigPath),
            (.neutronLinuxBridgeAgent, linuxBridgeAgentConfigPath),
        ] {
            var agent = ProviderAgent(name: name, running: false)
            if let found = systemdUnitProcess("\(name.rawValue).service") ?? processTableEntry(name.processName) {
                agent.running = true
                agent.pid = found.pid
                agent.evidence = found.evidence
            }
            agent.configFile = path
            agent.configFileExists = files.exists(path)
            guard agent.running || agent.configFileExists == true else { continue }
            if !agent.running { agent.problem = "its configuration file exists but it does not run" }
            agents.append(agent)
        }
        return agents
    }

    func vswitchd() -> ProviderAgent {
        var agent = ProviderAgent(name: .ovsVSwitchd, running: false)
        let pidFile = ovsRunDirectory + "/ovs-vswitchd.pid"
        // The run directory is the database socket's, a real path even when `files` reads a fixture tree.
        guard let text = HostFiles().read(pidFile), let pid = Int32(text.trimmingWhitespace()), pid > 0 else {
            agent.problem = "no pid file \(pidFile)"
            return agent
        }
        guard HostSystem.processExists(pid) else {
            agent.problem = "pid file \(pidFile) names process \(pid), which does not run"
            return agent
        }
        agent.running = true
        agent.pid = pid
        agent.evidence = "pidfile"
        do {
            // OVS names the socket after the pid; a daemon started with `--unixctl` (or by a test) may not.
            let named = ovsRunDirectory + "/ovs-vswitchd.\(pid).ctl"
            let socket = HostFiles().exists(named) ? named : ovsRunDirectory + "/ovs-vswitchd.ctl"
            var control = try OVSDBClient(endpoint: OVSDBEndpoint(parsing: "unix:" + socket), timeout: controlTimeout)
            let reply = try control.call(method: "version", params: [])
            // `ovs-vswitchd (Open vSwitch) 3.1.0`: the last word.
            if let line = reply.stringValue?.split(separator: "\n").first, let word = line.split(separator: " ").last {
                agent.version = String(word)
                agent.evidence = "unixctl"
            }
        } catch {
            agent.problem = "its control socket does not answer: \(error)"
        }
        return agent
    }

    /// A process of the systemd unit, from the unit's cgroup (cgroup v2, then v1's `name=systemd` hierarchy of
    /// EL 8), which any user can read.
    func systemdUnitProcess(_ unit: String) -> (pid: Int32, evidence: String)? {
        for hierarchy in ["/sys/fs/cgroup", "/sys/fs/cgroup/systemd"] {
            guard let text = files.read("\(hierarchy)/system.slice/\(unit)/cgroup.procs") else { continue }
            if let pid = text.split(separator: "\n").lazy.compactMap({ Int32($0) }).first {
                return (pid, "systemd cgroup")
            }
        }
        return nil
    }

    /// The lowest pid whose process name is `name` (a Neutron agent forks workers with the same name: the parent).
    func processTableEntry(_ name: String) -> (pid: Int32, evidence: String)? {
        for pid in (files.list("/proc") ?? []).compactMap({ Int32($0) }).sorted()
        where files.read("/proc/\(pid)/comm")?.trimmingWhitespace() == name {
            return (pid, "process table")
        }
        return nil
    }
}
