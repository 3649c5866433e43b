// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import Prometheus

extension MetricsExporter {
    /// One info series per network of ``HostNetworks`` (value 1, the facts in labels), so that dashboards and
    /// rules can join the per-interface series on `network` and count the networks of each host across a fleet.
    /// Labels are only what is stable while the network exists: a changing label would split its history.
    ///
    /// - `fabric_network_info{network, fabric, vlan, switch}`: `vlan` is empty when untagged; `switch` is VDSM's
    ///   `legacy` or `ovs` for a VDSM network, empty for a provider's.
    /// - `fabric_network_interfaces{network, fabric}`: rows of the host table carrying it; 0 for a VDSM network
    ///   configured here that no device carries (what an operator would look for after a failed setup).
    static func add(_ networks: HostNetworks, to registry: PrometheusCollectorRegistry) {
        let info = MetricNameDescriptor(
            namespace: "fabric", subsystem: "network", metricName: "info", unitName: "",
            helpText: "Always 1: one series per network this host carries, its facts in the labels.")
        let interfaces = MetricNameDescriptor(
            namespace: "fabric", subsystem: "network", metricName: "interfaces", unitName: "",
            helpText: "Rows of the host table that carry the network.")
        for network in networks.networks {
            let fabric = network.fabric.rawValue
            registry.makeGauge(
                descriptor: info,
                labels: [
                    ("network", network.name), ("fabric", fabric), ("vlan", network.vlan.map(String.init) ?? ""),
                    ("switch", network.vdsm?.switchType ?? ""),
                ]
            ).set(1.0)
            registry.makeGauge(descriptor: interfaces, labels: [("network", network.name), ("fabric", fabric)])
                .set(Double(network.interfaces.count))
        }
    }
}
