// SPDX-License-Identifier: Apache-2.0

/// How one provider vNIC must be plugged, derived from the engine's connection details.
public enum VNICWiring: Hashable, Sendable {
    /// Open vSwitch integration bridge (OVS agent, ML2/OVN, ovirt-provider-ovn): `<source bridge>`, a tap named
    /// after the port and one `openvswitch` virtualport whose `interfaceid` is the port id, so libvirt writes
    /// `external_ids:iface-id` and the provider's agent or ovn-controller binds the port.
    case openVSwitch(integrationBridge: String, port: PortID)
    /// Linux bridge (Neutron Linux-bridge agent): a tap named after the port, no virtualport.
    case linuxBridge(bridge: String, port: PortID)

    public var port: PortID {
        switch self {
        case .openVSwitch(_, let port), .linuxBridge(_, let port): port
        }
    }

    public var bridge: String {
        switch self {
        case .openVSwitch(let bridge, _), .linuxBridge(let bridge, _): bridge
        }
    }

    /// The tap device name written into `<target dev>`.
    public var tapName: String { port.tapName }
}
