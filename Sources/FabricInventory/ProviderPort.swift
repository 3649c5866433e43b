// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// A provider vNIC's port as Open vSwitch holds it (an interface with `external_ids:iface-id`), and whether its
/// kernel tap is really in the switch. A tap can drop out while its port stays: the VM's tap is gone (ofport -1),
/// or something enslaved it elsewhere (libvirtd, reconnecting after a restart, moves a tap back to the bridge of
/// its live XML, such as VDSM's `;vdsmdummy;`). Traffic then stops with nothing else saying so.
public struct ProviderPort: Sendable, Hashable, Codable {
    public var interface: String
    public var bridge: String
    /// The provider's port id (`iface-id`).
    public var portID: String
    public var vmID: String?
    /// The tap is a port of the switch's datapath: it exists, ovs-vswitchd opened it, and no other bridge owns it.
    public var onBridge: Bool
    /// Why not, when it is not.
    public var problem: String?

    /// The provider ports of `switchState`, judged against the host's links (`table`): by bridge, then interface.
    public static func all(in switchState: SwitchState, table: HostTable) -> [ProviderPort] {
        var rows: [String: HostInterface] = [:]
        for row in table.interfaces { rows[row.name] = row }
        var ports: [ProviderPort] = []
        for bridge in switchState.bridges {
            for interface in bridge.ports.flatMap(\.interfaces) {
                guard let portID = interface.externalIDs["iface-id"], !portID.isEmpty else { continue }
                let problem = Self.problem(interface, row: rows[interface.name])
                ports.append(ProviderPort(
                    interface: interface.name, bridge: bridge.name, portID: portID,
                    vmID: interface.externalIDs["vm-id"] ?? interface.externalIDs["vm-uuid"], onBridge: problem == nil,
                    problem: problem))
            }
        }
        return ports
    }

    /// The kernel datapath makes each port's master `ovs-system`; the userspace datapath opens the tap without
    /// enslaving it. Any other master is a Linux bridge or bond that took the tap away.
    static func problem(_ interface: SwitchState.Interface, row: HostInterface?) -> String? {
        guard let row else {
            return "no kernel device \(interface.name)" + (interface.error.map { " (\($0))" } ?? "")
        }
        if let master = row.master, master != "ovs-system" {
            return "the tap is a port of \(master), not of the switch"
        }
        if let error = interface.error { return error }
        if let ofport = interface.ofport, ofport < 0 { return "ovs-vswitchd could not add it (ofport -1)" }
        return nil
    }
}
