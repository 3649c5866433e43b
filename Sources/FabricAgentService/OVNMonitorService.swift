// SPDX-License-Identifier: Apache-2.0
public import FabricInventory
import FabricOVSDB
import FabricPOSIX
public import Logging
public import ServiceLifecycle

/// Follows OVN on a thread of its own: every ``interval``, and soon after the switch's `ovn-remote` or vNICs
/// change, it reads ovn-controller's health and the southbound database (``OVNObserver``, which backs off from
/// an unreachable server), and hands the table a new ``OVNObservation`` when it changed, so requests are served from the last reading and a health change is
/// published on `/v1/events`.
public struct OVNMonitorService: Service {
    public var observer: OVNObserver
    public var interval: Duration
    public var updater: HostTableUpdater
    public var logger: Logger
    /// The switch's facts as the agent's OVSDB monitor posts them; without it each poll reads the switch itself.
    public var switchFacts: SwitchFactsMailbox?

    public init(
        observer: OVNObserver, interval: Duration = .seconds(2), updater: HostTableUpdater, logger: Logger,
        switchFacts: SwitchFactsMailbox? = nil
    ) {
        self.observer = observer
        self.interval = interval
        self.updater = updater
        self.logger = logger
        self.switchFacts = switchFacts
    }

    /// How long after a switch change OVN is read again.
    static let settle: Duration = .milliseconds(100)

    public func run() async throws {
        let initial = observer
        let interval = interval
        let switchFacts = switchFacts
        var wasConnected: Bool??
        try await ThreadedService.run(name: "fabric-ovn") { stop, yield in
            var observer = initial
            var last: OVNObservation?
            // The monitor connects within moments of the start: wait for it (up to one interval) rather than
            // report the switch unread.
            if let switchFacts, !switchFacts.hasPosted, stop.wait(timeout: interval, or: switchFacts.changed) { return }
            while !stop.isStopped {
                // Before the facts are read: a change posted from now on wakes the wait below.
                switchFacts?.changed.reset()
                let observation = switchFacts.map { observer.observe(switch: $0.facts) } ?? observer.observe()
                if observation != last {
                    last = observation
                    yield(observation)
                }
                guard let switchFacts else {
                    if stop.wait(timeout: interval) { return }
                    continue
                }
                if stop.wait(timeout: interval, or: switchFacts.changed) { return }
                // A burst of switch updates (a VM with many vNICs starting) makes one reading, not one per update.
                if stop.wait(timeout: Self.settle) { return }
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
