// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricOVSDB
import Prometheus

/// The provider's side of `/metrics`, from the networks: the daemons, the tunnels and the vNIC ports, one
/// 0-or-1 gauge each, so a fleet's alerts can name the host and the thing that is down
/// (deploy/prometheus/fabric-rules.yml).
extension MetricsExporter {
    static func addProvider(_ networks: HostNetworks, to registry: PrometheusCollectorRegistry) {
        func gauge(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "fabric", metricName: name, unitName: "", helpText: help)
        }
        let running = gauge("provider_agent_running", "1 while the provider's daemon runs on this host, else 0.")
        for agent in networks.agents {
            registry.makeGauge(descriptor: running, labels: [("agent", agent.name.rawValue)]).set(Double(agent.running ? 1 : 0))
        }
        if let connected = networks.ovn?.controller?.connected {
            registry.makeGauge(
                descriptor: gauge("ovn_controller_connected", "1 while ovn-controller is connected to the southbound database, else 0.")
            ).set(Double(connected ? 1 : 0))
        }
        let tunnelUp = gauge("tunnel_up", "1 while the OVS tunnel's link (and BFD session, where enabled) is up, else 0.")
        for tunnel in networks.tunnels {
            registry.makeGauge(
                descriptor: tunnelUp,
                labels: [
                    ("bridge", tunnel.bridge), ("interface", tunnel.interface), ("type", tunnel.type),
                    ("remote_ip", tunnel.remoteIP ?? ""),
                ]
            ).set(Double(tunnel.isUp ? 1 : 0))
        }
        let onBridge = gauge("vnic_on_bridge", "1 while the provider vNIC's tap is in its OVS bridge, 0 when its port is there but the tap is not.")
        for port in networks.providerPorts {
            registry.makeGauge(
                descriptor: onBridge,
                labels: [
                    ("interface", port.interface), ("bridge", port.bridge), ("port_id", port.portID),
                    ("vm_id", port.vmID ?? ""),
                ]
            ).set(Double(port.onBridge ? 1 : 0))
        }
    }
}
