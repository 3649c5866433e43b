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

    /// A port seen in the switch, and the ifindex its tap had then.
    public struct Remembered: Sendable, Hashable {
        var port: ProviderPort
        var tapIndex: Int32
    }

    /// `current` (the switch's provider ports) plus those the switch dropped while their tap lives on. With the
    /// kernel datapath, libvirtd's reconnect deletes the OVS port of a tap it moves back to its live XML's Linux
    /// bridge, so the switch alone no longer shows that a provider vNIC lost its network; a tap that keeps its
    /// ifindex after its port is gone still does. A tap that is gone (the VM stopped, the NIC was unplugged, or it
    /// was recreated under the same name) is forgotten. Needs the memory of earlier builds: the agent has it, a
    /// one-shot `show` does not.
    static func remembering(_ current: [ProviderPort], in table: HostTable, memory: inout [String: Remembered]) -> [ProviderPort] {
        var rows: [String: HostInterface] = [:]
        for row in table.interfaces { rows[row.name] = row }
        var result = current
        var next: [String: Remembered] = [:]
        let present = Set(current.map(\.interface))
        for port in current {
            if let row = rows[port.interface] { next[port.interface] = Remembered(port: port, tapIndex: row.index) }
        }
        for (name, remembered) in memory where !present.contains(name) {
            guard let row = rows[name], row.index == remembered.tapIndex else { continue }
            var lost = remembered.port
            lost.onBridge = false
            lost.problem = "its port left OVS bridge \(lost.bridge) while the tap remains"
                + (row.master.map { ", now a port of \($0)" } ?? "")
            result.append(lost)
            next[name] = remembered
        }
        memory = next
        return result.sorted { ($0.bridge, $0.interface) < ($1.bridge, $1.interface) }
    }
}
