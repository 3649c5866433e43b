// SPDX-License-Identifier: Apache-2.0
import FabricAgentSettings
import FabricPOSIX
import ArgumentParser
import FabricAgentService
import Logging
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
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

            Settings (each also a key of the configuration file and a FABRIC_* environment variable):
            \(AgentSettings.help(for: .serve))
            """
    )

    @Option(name: .long, help: ArgumentHelp(
        "Configuration file (default \(AgentConfiguration.defaultPath), optional when not given).", valueName: "PATH"))
    var config: String?

    /// Every other setting, as `--KEY VALUE` or `--KEY=VALUE`: the flags come from ``AgentSettings``'s table.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Settings (listed below).", valueName: "--KEY VALUE"))
    var settings: [String] = []

    func run() async throws {
        let flags: [String: String]
        do {
            flags = try AgentSettings.flagValues(settings, for: .serve)
        } catch {
            StandardError.write("fabric-agent: invalid configuration: \(error)\n")
            throw ExitCode(2)
        }
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

