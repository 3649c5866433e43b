// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricOVSDB

/// A host that has a bit of everything: VDSM networks on a bond and a NIC, a Neutron OVS agent with a
/// mapped bridge and a vNIC, a Linux bridge agent network, and bystanders. Indexes are ifindexes.
enum SyntheticHost {
    static let up: UInt32 = 0x1 | 0x40
    static let vnicPort = "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f"
    static let vnicNetwork = "2c5e9c4b-1111-4a2b-8c3d-5e6f7a8b9c0d"

    static var snapshot: NetlinkSnapshot {
        func link(_ index: Int32, _ name: String, _ kind: LinkKind? = nil, master: Int32? = nil, slave: LinkKind? = nil,
                  parent: Int32? = nil, vlan: UInt16? = nil, flags: UInt32 = up, tunMode: String? = nil) -> Link {
            Link(index: index, name: name, kind: kind, slaveKind: slave, flags: flags,
                 operState: flags == up ? .up : .down, mac: String(format2(index)), masterIndex: master,
                 parentIndex: parent, vlanID: vlan, tunMode: tunMode,
                 statistics: LinkStatistics(rxBytes: UInt64(index) * 1000, rxDropped: 1, txDropped: 2))
        }
        let links = [
            link(1, "lo", flags: up | 0x8),
            link(2, "eno1", master: 4, slave: "bond"),
            link(3, "eno2", master: 4, slave: "bond"),
            link(4, "bond0", "bond"),
            link(5, "bond0.100", "vlan", master: 6, slave: "bridge", parent: 4, vlan: 100),
            link(6, "ovirtmgmt", "bridge"),
            link(7, "vnet0", "tun", master: 6, slave: "bridge", tunMode: "tap"),
            link(8, "eno3"),
            link(9, "br-int", "openvswitch", flags: 0),
            link(10, "ovs-system", "openvswitch", flags: 0),
            link(11, "tap8f14e45f-ce", "tun", master: 10, slave: "openvswitch", tunMode: "tap"),
            link(12, "br-phys", "openvswitch", flags: 0),
            link(13, "eth5", master: 10, slave: "openvswitch"),
            link(14, "brq1c9d0f7a-2b", "bridge"),
            link(15, "eth4"),
            link(16, "eth4.300", "vlan", master: 14, slave: "bridge", parent: 15, vlan: 300),
            link(17, "tapa4b7e2c1-90", "tun", master: 14, slave: "bridge", tunMode: "tap"),
            link(18, "vxlan-42", "vxlan", master: 14, slave: "bridge", parent: 15),
            link(19, "brq99999999-99", "bridge"),
            link(20, "virbr0", "bridge", flags: 0x1),
            link(21, ";vdsmdummy;", "bridge", flags: 0x1),
        ]
        let addresses = [
            InterfaceAddress(linkIndex: 1, family: .ipv4, address: "127.0.0.1", prefixLength: 8, scope: 254),
            InterfaceAddress(linkIndex: 6, family: .ipv6, address: "fe80::1", prefixLength: 64, scope: 253),
            InterfaceAddress(linkIndex: 6, family: .ipv4, address: "10.35.1.99", prefixLength: 24, flags: 0x01),
            InterfaceAddress(linkIndex: 6, family: .ipv4, address: "10.35.1.20", prefixLength: 24),
            InterfaceAddress(linkIndex: 8, family: .ipv6, address: "2001:db8::20", prefixLength: 64),
        ]
        return NetlinkSnapshot(links: links, addresses: addresses)
    }

    static func format2(_ index: Int32) -> String {
        let hex = String(index, radix: 16)
        return "52:54:00:00:00:" + (hex.count == 1 ? "0" + hex : hex)
    }

    static func switchState(ovnRemote: String? = nil) -> SwitchState {
        func iface(_ name: String, _ type: String = "", ids: [String: String] = [:], options: [String: String] = [:])
            -> SwitchState.Interface {
            SwitchState.Interface(uuid: "i-" + name, name: name, type: type, ofport: 1, externalIDs: ids, options: options)
        }
        func port(_ name: String, _ interfaces: [SwitchState.Interface], other: [String: String] = [:]) -> SwitchState.Port {
            SwitchState.Port(uuid: "p-" + name, name: name, otherConfig: other, interfaces: interfaces)
        }
        let vnicIDs = ["iface-id": vnicPort, "attached-mac": "56:6f:1a:2b:00:07", "iface-status": "active", "vm-id": "c3d2"]
        return SwitchState(
            externalIDs: ovnRemote.map { ["system-id": "host-1", "ovn-remote": $0] } ?? ["system-id": "host-1"],
            bridges: [
                SwitchState.Bridge(uuid: "b-int", name: "br-int", ports: [
                    port("br-int", [iface("br-int", "internal")]),
                    port("tap8f14e45f-ce", [iface("tap8f14e45f-ce", ids: vnicIDs)],
                         other: ["net_uuid": vnicNetwork, "segmentation_id": "300", "tag": "1"]),
                    port("int-br-phys", [iface("int-br-phys", "patch", options: ["peer": "phy-br-int"])]),
                ]),
                SwitchState.Bridge(uuid: "b-phys", name: "br-phys", ports: [
                    port("br-phys", [iface("br-phys", "internal")]),
                    port("eth5", [iface("eth5")]),
                    port("phy-br-int", [iface("phy-br-int", "patch", options: ["peer": "int-br-phys"])]),
                ]),
                SwitchState.Bridge(uuid: "b-tun", name: "br-tun", ports: [port("br-tun", [iface("br-tun", "internal")])]),
            ])
    }
}
