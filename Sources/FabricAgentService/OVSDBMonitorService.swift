// SPDX-License-Identifier: Apache-2.0
import FabricInventory
public import FabricOVSDB
public import Logging
public import ServiceLifecycle

/// Follows the Open vSwitch database with an RFC 7047 `monitor` on a thread of its own, and keeps
/// following it across `ovsdb-server` restarts: on any transport error the table is told OVS is
/// unknown, and the thread reconnects with exponential backoff (0.25 s doubling up to
/// ``maximumBackoff``; reset after a successful monitor). A fresh monitor starts with the full state,
/// so nothing needs replaying after a reconnect.
public struct OVSDBMonitorService: Service {
    public var endpoint: OVSDBEndpoint
    public var timeout: Duration
    public var maximumBackoff: Double
    public var updater: HostTableUpdater
    public var logger: Logger
    /// Where the facts OVN's lookups need are posted with every state and every failure.
    public var switchFacts: SwitchFactsMailbox?

    public init(
        endpoint: OVSDBEndpoint, timeout: Duration, maximumBackoff: Double, updater: HostTableUpdater, logger: Logger,
        switchFacts: SwitchFactsMailbox? = nil
    ) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.maximumBackoff = maximumBackoff
        self.updater = updater
        self.logger = logger
        self.switchFacts = switchFacts
    }

    enum Event: Sendable {
        case state(SwitchState)
        case disconnected(String, retryIn: Double)
    }

    /// The wait before reconnection attempt `attempt` (0-based): 0.25 s doubling, capped.
    public static func backoff(attempt: Int, maximum: Double) -> Double {
        min(maximum, 0.25 * Double(1 << min(attempt, 20)))
    }

    public func run() async throws {
        let endpoint = endpoint
        let timeout = timeout
        let maximumBackoff = maximumBackoff
        let endpointText = endpoint.description
        let switchFacts = switchFacts
        var wasReachable: Bool?
        try await ThreadedService.run(name: "fabric-ovsdb") { stop, yield in
            var attempt = 0
            while !stop.isStopped {
                var reason: String
                do throws(OVSDBError) {
                    var client = try OVSDBClient(endpoint: endpoint, timeout: timeout)
                    try client.monitor(timeout: timeout, isCancelled: { stop.isStopped }) { state in
                        attempt = 0
                        switchFacts?.post(.success(OVNSwitchFacts(state)))
                        yield(.state(state))
                        return !stop.isStopped
                    }
                    reason = "monitor ended"
                    switchFacts?.post(.failure(OVSDBError(kind: .connectionClosed, description: reason)))
                } catch {
                    reason = "\(error)"
                    switchFacts?.post(.failure(error))
                }
                if stop.isStopped { return }
                let delay = Self.backoff(attempt: attempt, maximum: maximumBackoff)
                attempt += 1
                yield(.disconnected(reason, retryIn: delay))
                stop.wait(timeout: .nanoseconds(Int64(delay * 1e9)))
            }
        } consume: { (event: Event) in
            switch event {
            case .state(let state):
                if wasReachable != true {
                    logger.info("connected to the OVS database", metadata: ["ovsdb.endpoint": "\(endpointText)"])
                }
                wasReachable = true
                await updater.switchChanged(state, status: HostTable.OVSDBStatus(endpoint: endpointText, reachable: true))
            case .disconnected(let reason, let delay):
                if wasReachable != false {
                    logger.warning(
                        "OVS database unreachable; OVS membership is unknown until it returns",
                        metadata: [
                            "ovsdb.endpoint": "\(endpointText)", "error": "\(reason)",
                            "ovsdb.retry_seconds": "\(delay)",
                        ])
                }
                wasReachable = false
                await updater.switchChanged(
                    nil, status: HostTable.OVSDBStatus(endpoint: endpointText, reachable: false, error: reason))
            }
        }
    }
}
