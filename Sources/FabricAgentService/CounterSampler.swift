// SPDX-License-Identifier: Apache-2.0
import NIOConcurrencyHelpers
import FabricInventory
import FabricNetlink
public import Logging
public import ServiceLifecycle

/// The sampling interval, shared between the sampler's thread and the reload service.
public final class SampleInterval: Sendable {
    private let seconds: NIOLockedValueBox<Double>

    public init(seconds: Double) {
        self.seconds = NIOLockedValueBox(seconds)
    }

    public var value: Double {
        get { seconds.withLockedValue { $0 } }
        set { seconds.withLockedValue { $0 = newValue } }
    }
}

/// Reads every link's counters each interval for the rate columns: counters change without netlink
/// events, so this is the one periodic dump the agent makes — a statistics dump (`RTM_GETSTATS`), which
/// costs the kernel far less than a link dump. Runs on a thread of its own with its own socket.
public struct CounterSampler: Service {
    public var networkNamespace: String?
    public var interval: SampleInterval
    public var updater: HostTableUpdater
    public var logger: Logger

    public init(networkNamespace: String?, interval: SampleInterval, updater: HostTableUpdater, logger: Logger) {
        self.networkNamespace = networkNamespace
        self.interval = interval
        self.updater = updater
        self.logger = logger
    }

    public func run() async throws {
        let namespace = networkNamespace
        let interval = interval
        try await ThreadedService.run(name: "fabric-sampler") { stop, yield in
            do throws(NetlinkError) {
                let socket = try NetlinkWatcher.openSocket(namespace)
                // The first sample at once, so rates appear after one interval.
                repeat {
                    yield(.success(RateWindow.Reading(try socket.linkCounters())))
                } while !stop.wait(timeout: .nanoseconds(Int64(interval.value * 1e9)))
            } catch {
                yield(.failure(error))
            }
        } consume: { (sample: Result<RateWindow.Reading, NetlinkError>) in
            switch sample {
            case .success(let sample): await updater.countersSampled(sample)
            case .failure(let error):
                logger.error("counter sampler failed", metadata: ["error": "\(error)"])
                throw error
            }
        }
    }
}
