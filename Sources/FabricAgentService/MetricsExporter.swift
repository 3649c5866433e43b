// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import Prometheus

/// The table in the Prometheus text format (`GET /metrics`). Every scrape builds a fresh registry from
/// the current table, so interfaces that vanished vanish from the metrics too, and counters are the
/// kernel's cumulative values rather than something the agent accumulated.
///
/// Per-interface series carry the labels `interface`, `fabric` (`vdsm`, `openvswitch`, `ovn`,
/// `linuxbridge`, `unclassified`) and `network` (the VDSM or provider network, empty when none).
enum MetricsExporter {
    /// `fabric_interface_NAME_UNIT`.
    private static func interface(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "fabric", subsystem: "interface", metricName: name, unitName: unit, helpText: help)
    }

    /// - Parameter networks: the table's networks (`fabric_network_*`, MetricsExporter+Networks.swift); left out
    ///   when `nil`.
    static func exposition(
        _ table: HostTable, networks: HostNetworks? = nil, engine: EngineReporter.Statistics? = nil,
        streams: EventStreams.Statistics? = nil, netlinkOverruns: Int = 0
    ) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        let counters: [(String, String, KeyPath<LinkStatistics, UInt64>)] = [
            ("receive_bytes", "Bytes received (kernel counter).", \.rxBytes),
            ("transmit_bytes", "Bytes transmitted (kernel counter).", \.txBytes),
            ("receive_packets", "Packets received.", \.rxPackets),
            ("transmit_packets", "Packets transmitted.", \.txPackets),
            ("receive_errors", "Receive errors.", \.rxErrors),
            ("transmit_errors", "Transmit errors.", \.txErrors),
            ("receive_drops", "Received packets dropped.", \.rxDropped),
            ("transmit_drops", "Transmitted packets dropped.", \.txDropped),
        ]
        for row in table.interfaces {
            let labels = [
                ("interface", row.name), ("fabric", row.classification.fabric.rawValue),
                ("network", row.classification.networkName ?? ""),
            ]
            for (name, help, path) in counters {
                let value = row.statistics[keyPath: path]
                registry.makeCounter(descriptor: interface(name, unit: "total", help), labels: labels)
                    .increment(by: Int64(clamping: value))
            }
            registry.makeGauge(
                descriptor: interface("oper", unit: "up", "1 when the kernel's operational state is UP, else 0."),
                labels: labels
            ).set(Double(row.operState == .up ? 1 : 0))
            if let speed = row.speedMbps {
                registry.makeGauge(
                    descriptor: interface("speed", unit: "mbps", "Link speed in megabits per second, when known."),
                    labels: labels).set(Double(speed))
            }
            if let rates = row.rates {
                if let rx = rates.rxMbps {
                    registry.makeGauge(
                        descriptor: interface("receive", unit: "mbps", "Receive rate over the last sample interval."),
                        labels: labels).set(rx)
                }
                if let tx = rates.txMbps {
                    registry.makeGauge(
                        descriptor: interface("transmit", unit: "mbps", "Transmit rate over the last sample interval."),
                        labels: labels).set(tx)
                }
            }
        }
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "fabric", metricName: "interfaces", unitName: "", helpText: "Interfaces in the host table.")
        ).set(Double(table.interfaces.count))
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "fabric", metricName: "ovsdb", unitName: "reachable",
                helpText: "1 while the Open vSwitch database answers, else 0.")
        ).set(Double(table.sources.ovsdb.reachable ? 1 : 0))
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "fabric", metricName: "table_sampled_timestamp", unitName: "seconds",
                helpText: "When the table's last sample was taken, seconds since the Unix epoch.")
        ).set(table.sampledAt)
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "fabric", subsystem: "netlink", metricName: "overruns", unitName: "total",
                helpText: "Times the kernel dropped link or address notifications for the agent (receive buffer overrun); each was answered with a full dump.")
        ).increment(by: Int64(netlinkOverruns))
        if let networks { Self.add(networks, to: registry) }
        if let engine { Self.add(engine, to: registry) }
        if let streams { Self.add(streams, to: registry) }
        if let networks { Self.addProvider(networks, to: registry) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(table.interfaces.count * 2048)
        registry.emit(into: &buffer)
        return buffer
    }

    /// The `/v1/events` streams: clients that stop reading are dropped, and beyond the cap refused
    /// (``EventStreams``); a count that keeps growing points at a client to fix.
    private static func add(_ streams: EventStreams.Statistics, to registry: PrometheusCollectorRegistry) {
        func events(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "fabric", subsystem: "event", metricName: name, unitName: unit, helpText: help)
        }
        registry.makeGauge(descriptor: events("streams", unit: "", "Open /v1/events streams."))
            .set(Double(streams.open))
        let dropped = events("streams_dropped", unit: "total", "Event stream clients dropped: they stopped reading.")
        registry.makeCounter(descriptor: dropped).increment(by: Int64(streams.dropped))
        let refused = events("streams_refused", unit: "total", "Event streams refused (503): too many were open.")
        registry.makeCounter(descriptor: refused).increment(by: Int64(streams.refused))
    }

    /// The push to the engine (`engine-url`), so a host whose reports do not arrive can be alerted on.
    private static func add(_ engine: EngineReporter.Statistics, to registry: PrometheusCollectorRegistry) {
        func push(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "fabric", subsystem: "engine", metricName: name, unitName: unit, helpText: help)
        }
        registry.makeCounter(descriptor: push("reports_sent", unit: "total", "Reports the engine accepted (2xx)."))
            .increment(by: Int64(engine.sent))
        registry.makeCounter(
            descriptor: push("failed_attempts", unit: "total", "Push attempts that failed and were retried."))
            .increment(by: Int64(engine.failedAttempts))
        registry.makeCounter(
            descriptor: push("reports_rejected", unit: "total", "Reports the engine refused (not retried)."))
            .increment(by: Int64(engine.rejected))
        registry.makeCounter(
            descriptor: push("reports_dropped", unit: "total", "Reports dropped unsent because the queue was full."))
            .increment(by: Int64(engine.dropped))
        registry.makeGauge(descriptor: push("queue", unit: "reports", "Reports waiting to be sent."))
            .set(Double(engine.queued))
        if let status = engine.lastStatus {
            registry.makeGauge(descriptor: push("last_status", unit: "", "The engine's last HTTP status."))
                .set(Double(status))
        }
    }
}
