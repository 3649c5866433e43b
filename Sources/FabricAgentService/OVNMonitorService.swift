// SPDX-License-Identifier: Apache-2.0
public import FabricInventory
import FabricOVSDB
public import Logging
public import ServiceLifecycle

/// Follows OVN on a thread of its own: every ``interval`` it reads ovn-controller's health and the southbound
/// database (``OVNObserver``, which backs off from an unreachable server), and hands the table a new
/// ``OVNObservation`` when it changed, so requests are served from the last reading and a health change is
/// published on `/v1/events`.
public struct OVNMonitorService: Service {
    public var observer: OVNObserver
    public var interval: Duration
    public var updater: HostTableUpdater
    public var logger: Logger

    public init(observer: OVNObserver, interval: Duration = .seconds(2), updater: HostTableUpdater, logger: Logger) {
        self.observer = observer
        self.interval = interval
        self.updater = updater
        self.logger = logger
    }

    public func run() async throws {
        let initial = observer
        let interval = interval
        var wasConnected: Bool??
        try await ThreadedService.run(name: "fabric-ovn") { stop, yield in
            var observer = initial
            var last: OVNObservation?
            while !stop.isStopped {
                let observation = observer.observe()
                if observation != last {
                    last = observation
                    yield(observation)
                }
                if stop.wait(timeout: interval) { return }
            }
        } consume: { (observation: OVNObservation) in
            let connected = observation.controller.connected
            if wasConnected != .some(connected) {
                logger.info(
                    "ovn-controller status",
                    metadata: [
                        "ovn.running": "\(observation.controller.running)",
                        "ovn.connected": "\(connected.map { "\($0)" } ?? "unknown")",
                        "ovn.southbound_error": "\(observation.southboundError ?? "-")",
                    ])
                wasConnected = .some(connected)
            }
            await updater.ovnChanged(observation)
        }
    }
}
