// SPDX-License-Identifier: Apache-2.0
public import FabricInventory
public import Logging
public import ServiceLifecycle

/// Watches the provider's daemons (``ProviderAgentsProbe``) every `interval` on a thread of its own (a control
/// socket may take up to its timeout to answer) and hands the updater each change of their health, which
/// becomes a new version of the networks and an `event: networks` on the streams that asked for them.
public struct ProviderAgentsService: Service {
    public var probe: ProviderAgentsProbe
    public var interval: Duration
    public var updater: HostTableUpdater
    public var logger: Logger

    public init(probe: ProviderAgentsProbe, interval: Duration = .seconds(2), updater: HostTableUpdater, logger: Logger) {
        self.probe = probe
        self.interval = interval
        self.updater = updater
        self.logger = logger
    }

    public func run() async throws {
        let probe = probe
        let interval = interval
        let logger = logger
        try await ThreadedService.run(name: "fabric-agents", niceness: 5) { stop, yield in
            var last: [ProviderAgent]?
            repeat {
                let agents = probe.agents()
                if agents != last {
                    yield(agents)
                    Self.log(agents, after: last, logger: logger)
                    last = agents
                }
            } while !stop.wait(timeout: interval)
        } consume: { (agents: [ProviderAgent]) in
            await updater.agentsChanged(agents)
        }
    }

    /// One line per daemon that started or stopped running (not at start: the first reading is the baseline).
    static func log(_ agents: [ProviderAgent], after previous: [ProviderAgent]?, logger: Logger) {
        guard let previous else { return }
        for agent in agents {
            let was = previous.first { $0.name == agent.name }?.running ?? false
            guard was != agent.running else { continue }
            if agent.running {
                logger.notice("provider agent runs", metadata: ["agent.name": "\(agent.name.rawValue)"])
            } else {
                logger.warning(
                    "provider agent stopped",
                    metadata: ["agent.name": "\(agent.name.rawValue)", "agent.problem": "\(agent.problem ?? "-")"])
            }
        }
    }
}
