// SPDX-License-Identifier: Apache-2.0
import FabricPOSIX
import ArgumentParser
import FabricAgentService
import Logging
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// `fabric-agent serve`, which execs this program (`fabric-agentd`): the daemon. Every option is also a
/// key of /etc/fabric/agent.conf and a `FABRIC_*` environment variable; flags win over the environment,
/// which wins over the file (docs/agent.md lists every key with its default).
@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fabric-agent serve",
        abstract: "Run the host agent: keep the table current and serve it over HTTP.",
        discussion: """
            API: GET /v1/interfaces, /v1/interfaces/{name}, /v1/events (server-sent events), /metrics, \
            /healthz, /openapi.json and / (a live web page). SIGTERM/SIGINT stop gracefully; SIGHUP \
            reloads the configuration file and environment. See docs/agent.md.
            """
    )

    @Option(name: .long, help: ArgumentHelp(
        "Configuration file (default \(AgentConfiguration.defaultPath), optional when not given).", valueName: "PATH"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "unix:PATH, HOST:PORT or [IPv6]:PORT (default \(AgentConfiguration.defaultListen)).", valueName: "ADDRESS"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp(
        "Group that may connect to the unix socket (default kvm, VDSM's, when the host has it).", valueName: "GROUP"))
    var listenGroup: String?

    @Option(name: .long, help: ArgumentHelp("Seconds between counter samples (default 5).", valueName: "SECONDS"))
    var sampleInterval: String?

    @Option(name: .long, help: ArgumentHelp("The Open vSwitch database socket.", valueName: "unix:PATH"))
    var ovsdb: String?

    @Option(name: .long, help: ArgumentHelp("Seconds an OVSDB request may take (default 2).", valueName: "SECONDS"))
    var ovsdbTimeout: String?

    @Option(name: .long, help: ArgumentHelp(
        "Longest wait between OVSDB reconnection attempts (default 10).", valueName: "SECONDS"))
    var ovsdbMaxBackoff: String?

    @Option(name: .long, help: ArgumentHelp("Watch the links of /run/netns/NAME.", valueName: "NAME"))
    var netns: String?

    @Option(name: .long, help: ArgumentHelp("Prefix for every host file read.", valueName: "PATH"))
    var root: String?

    @Option(name: .long, help: ArgumentHelp("The Neutron Open vSwitch agent's configuration.", valueName: "PATH"))
    var neutronOvsAgentConfig: String?

    @Option(name: .long, help: ArgumentHelp("The Neutron Linux bridge agent's configuration.", valueName: "PATH"))
    var neutronLinuxbridgeAgentConfig: String?

    @Option(name: .long, help: ArgumentHelp("PEM certificate chain for TLS.", valueName: "PATH"))
    var tlsCertificate: String?

    @Option(name: .long, help: ArgumentHelp("PEM private key for TLS.", valueName: "PATH"))
    var tlsKey: String?

    @Option(name: .long, help: ArgumentHelp("File holding the bearer token.", valueName: "PATH"))
    var tokenFile: String?

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error, critical (default info).",
                                            valueName: "LEVEL"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp("Write the bound address to this file once serving.", valueName: "PATH"))
    var readyFile: String?

    @Option(name: .long, help: ArgumentHelp("Seconds allowed for a graceful stop (default 10).", valueName: "SECONDS"))
    var shutdownTimeout: String?

    @Option(name: .long, help: ArgumentHelp("POST the table to this http(s) URL of the engine.", valueName: "URL"))
    var engineUrl: String?

    @Option(name: .long, help: ArgumentHelp("Seconds between pushes without changes (default 60).", valueName: "SECONDS"))
    var engineInterval: String?

    @Option(name: .long, help: ArgumentHelp("Seconds one push may take (default 10).", valueName: "SECONDS"))
    var engineTimeout: String?

    @Option(name: .long, help: ArgumentHelp("Longest wait between push retries (default 60).", valueName: "SECONDS"))
    var engineMaxBackoff: String?

    @Option(name: .long, help: ArgumentHelp("Reports kept while the engine is away (default 8).", valueName: "COUNT"))
    var engineQueue: String?

    @Option(name: .long, help: ArgumentHelp("File holding the engine's bearer token.", valueName: "PATH"))
    var engineTokenFile: String?

    @Option(name: .long, help: ArgumentHelp("PEM certificates trusted for an https engine.", valueName: "PATH"))
    var engineCaCertificate: String?

    var flags: [String: String] {
        let pairs: [(String, String?)] = [
            ("listen", listen), ("listen-group", listenGroup), ("sample-interval", sampleInterval), ("ovsdb", ovsdb), ("ovsdb-timeout", ovsdbTimeout),
            ("ovsdb-max-backoff", ovsdbMaxBackoff), ("netns", netns), ("root", root),
            ("neutron-ovs-agent-config", neutronOvsAgentConfig),
            ("neutron-linuxbridge-agent-config", neutronLinuxbridgeAgentConfig), ("tls-certificate", tlsCertificate),
            ("tls-key", tlsKey), ("token-file", tokenFile), ("log-level", logLevel), ("ready-file", readyFile),
            ("shutdown-timeout", shutdownTimeout), ("engine-url", engineUrl), ("engine-interval", engineInterval),
            ("engine-timeout", engineTimeout), ("engine-max-backoff", engineMaxBackoff), ("engine-queue", engineQueue),
            ("engine-token-file", engineTokenFile), ("engine-ca-certificate", engineCaCertificate),
        ]
        var flags: [String: String] = [:]
        for (key, value) in pairs { if let value { flags[key] = value } }
        return flags
    }

    func run() async throws {
        let flags = flags
        let configPath = config
        let environment = ProcessInfo.processInfo.environment
        let configuration: AgentConfiguration
        do {
            configuration = try AgentConfiguration.resolve(flags: flags, environment: environment, configPath: configPath)
        } catch {
            StandardError.write("fabric-agent: invalid configuration: \(error)\n")
            throw ExitCode(2)
        }
        let level = LogLevelBox(configuration.logLevel)
        AgentLogHandler.bootstrap(level: level)
        let daemon = AgentDaemon(
            configuration: configuration, environment: environment, logLevel: level,
            reload: { () throws(AgentConfigurationError) -> AgentConfiguration in
                try AgentConfiguration.resolve(flags: flags, environment: ProcessInfo.processInfo.environment, configPath: configPath)
            })
        do {
            try await daemon.run()
        } catch let error as AgentConfigurationError {
            StandardError.write("fabric-agent: invalid configuration: \(error)\n")
            throw ExitCode(2)
        } catch {
            StandardError.write("fabric-agent: \(error)\n")
            throw ExitCode(1)
        }
    }
}

