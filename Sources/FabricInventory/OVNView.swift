// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// This host as an OVN chassis: its tunnel endpoints, its tunnels to the other chassis, ovn-controller's health,
/// and the logical switch of every local vNIC. Part of ``HostNetworks`` (`ovn`) when ovn-controller is configured
/// (`external_ids:ovn-remote`). What could not be read is named in ``southboundUnknown`` or the controller's
/// `error`, never guessed.
public struct OVNHostView: Sendable, Hashable, Codable {
    /// The chassis name: `Open_vSwitch external_ids:system-id`.
    public var chassis: String?
    /// `external_ids:ovn-remote`, as configured.
    public var southboundRemote: String?
    /// This host's tunnel endpoints (`ovn-encap-type` × `ovn-encap-ip`); the physical networks are in
    /// ``ProviderReach`` (`provides`).
    public var encaps: [OVNSouthbound.Encap]
    /// `nil` when the agent has not looked yet.
    public var controller: OVNControllerStatus?
    /// Why the southbound database could not be read; the logical switches of ``vnics`` are then unknown.
    public var southboundUnknown: String?
    /// One per `ovn-*` tunnel interface on the integration bridge, by name.
    public var tunnels: [Tunnel]
    /// One per local OVS interface with `external_ids:iface-id`, by interface name.
    public var vnics: [VNIC]

    public struct Tunnel: Sendable, Hashable, Codable {
        /// The OVS interface (`ovn-<chassis>-0`).
        public var interface: String
        /// `geneve`, `vxlan`, `stt`.
        public var type: String
        public var remoteIP: String?
        /// The other chassis' name, from the tunnel port's `external_ids:ovn-chassis-id`.
        public var peerChassis: String?
        /// The peer's hostname, from the southbound `Chassis` table.
        public var peerHostname: String?
        /// `link_state` as ovs-vswitchd sees it.
        public var linkState: String?
        /// `bfd_status:state` (`up`, `down`, `init`, `admin_down`), when BFD runs on the tunnel.
        public var bfdState: String?
    }

    public struct VNIC: Sendable, Hashable, Codable {
        public var interface: String
        /// `external_ids:iface-id`: the logical port.
        public var portID: String
        /// The logical switch's name (the southbound datapath's `name`).
        public var logicalSwitch: String?
        /// The provider's network name (``OVNSouthbound/PortBinding/networkName``).
        public var networkName: String?
        /// The chassis the logical port is bound on (normally this host's, once ovn-controller claimed it).
        public var boundChassis: String?
        /// Why the logical switch is not given (no such logical port, or the southbound database is unknown).
        public var unknown: String?
    }

    /// The view from the switch, the southbound database and ovn-controller; `nil` when the switch is not run
    /// by ovn-controller.
    public init?(switchState: SwitchState, observation: OVNObservation?) {
        guard switchState.isControlledByOVN else { return nil }
        let ids = switchState.externalIDs
        chassis = ids["system-id"].flatMap { $0.isEmpty ? nil : $0 }
        southboundRemote = ids["ovn-remote"]
        let ips = (ids["ovn-encap-ip"] ?? "").split(separator: ",").map { String($0).trimmingWhitespace() }
        let types = (ids["ovn-encap-type"] ?? "").split(separator: ",").map { String($0).trimmingWhitespace() }
        encaps = types.flatMap { type in ips.map { OVNSouthbound.Encap(type: type, ip: $0) } }
            .filter { !$0.type.isEmpty && !$0.ip.isEmpty }
        controller = observation?.controller
        let southbound = observation?.southbound
        if southbound == nil {
            southboundUnknown = observation == nil
                ? "the OVN southbound database has not been read yet"
                : "the OVN southbound database could not be read: \(observation?.southboundError ?? "unknown error")"
        }
        var tunnels: [Tunnel] = []
        var vnics: [VNIC] = []
        for bridge in switchState.bridges {
            for port in bridge.ports {
                for interface in port.interfaces {
                    if interface.isTunnel, let tunnel = Self.tunnel(interface, port: port, southbound: southbound) {
                        tunnels.append(tunnel)
                    }
                    if let portID = interface.externalIDs["iface-id"], !portID.isEmpty {
                        vnics.append(Self.vnic(interface.name, portID: portID, southbound: southbound,
                                               unknown: southboundUnknown))
                    }
                }
            }
        }
        self.tunnels = tunnels.sorted { $0.interface < $1.interface }
        self.vnics = vnics.sorted { $0.interface < $1.interface }
    }

    /// ovn-controller names its tunnel ports `ovn-…` and tags them with the peer's chassis id (`CHASSIS` or, since
    /// OVN 22.x, `CHASSIS@REMOTE_IP%LOCAL_IP`); other tunnels on the switch are not OVN's.
    private static func tunnel(_ interface: SwitchState.Interface, port: SwitchState.Port, southbound: OVNSouthbound?)
        -> Tunnel?
    {
        let tag = interface.externalIDs["ovn-chassis-id"] ?? port.externalIDs["ovn-chassis-id"]
        guard tag != nil || interface.name.hasPrefix("ovn-") else { return nil }
        let peer = tag.map { String($0.prefix { $0 != "@" }) }.flatMap { $0.isEmpty ? nil : $0 }
        return Tunnel(
            interface: interface.name, type: interface.type, remoteIP: interface.options["remote_ip"], peerChassis: peer,
            peerHostname: peer.flatMap { southbound?.chassis(named: $0)?.hostname },
            linkState: interface.linkState, bfdState: interface.bfdStatus["state"])
    }

    private static func vnic(_ interface: String, portID: String, southbound: OVNSouthbound?, unknown: String?) -> VNIC {
        guard let southbound else {
            return VNIC(interface: interface, portID: portID, unknown: unknown)
        }
        guard let binding = southbound.portBindings[portID] else {
            return VNIC(interface: interface, portID: portID,
                        unknown: "no logical port \(portID) in the OVN southbound database")
        }
        return VNIC(
            interface: interface, portID: portID, logicalSwitch: binding.datapath?.name,
            networkName: binding.networkName, boundChassis: binding.chassis)
    }

    /// The provider network name of each local vNIC, by `iface-id`, for the table's Network Name.
    public var networkNameByPortID: [String: String] {
        var result: [String: String] = [:]
        for vnic in vnics { if let name = vnic.networkName { result[vnic.portID] = name } }
        return result
    }
}
