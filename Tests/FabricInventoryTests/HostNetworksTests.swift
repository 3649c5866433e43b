// SPDX-License-Identifier: Apache-2.0
@testable import FabricInventory
import FabricNetlink
import Foundation
import Testing

/// The network model from the same inventory as the table: the fixture host's VDSM files and the synthetic host's
/// links and OVS database (a VDSM bond with VLANs, a Neutron OVS agent with a vNIC, a Linux bridge agent network).
@Suite struct HostNetworksTests {
    static func networks() -> HostNetworks {
        let builder = HostTableBuilder(files: FixtureHost.files)
        var readings = HostTableBuilder.Readings()
        let table = builder.table(
            sample: HostTableBuilder.Sample(snapshot: SyntheticHost.snapshot), switchState: SyntheticHost.switchState(),
            ovsdb: HostTable.OVSDBStatus(endpoint: "unix:/x", reachable: true), readings: &readings)
        return HostNetworks(table: table, vdsm: readings.vdsm ?? VDSMNetworkConfig())
    }

    @Test func everyNetworkOfTheHostWithItsRows() throws {
        let networks = Self.networks()
        #expect(networks.schema == "fabric.host-networks")
        #expect(networks.networks.map(\.name) == [
            SyntheticHost.vnicNetwork, "display", "network 99999999-99…", "ovirtmgmt", "physnet1", "provider", "storage",
        ])
        let management = try #require(networks.network(named: "ovirtmgmt"))
        #expect(management.fabric == .vdsm)
        #expect(management.vlan == 100)
        #expect(management.vdsm?.baseDevice == "bond0")
        #expect(management.vdsm?.mtu == 1500)
        #expect(management.vdsm?.ipv4 == VDSMNetwork.IPv4(bootProtocol: "none", address: "10.35.1.20", netmask: "255.255.255.0"))
        #expect(management.vdsm?.defaultRoute == true)
        // The bond's slaves and the bond carry display and ovirtmgmt; the VLAN, the bridge and the VM's tap only ovirtmgmt.
        #expect(management.interfaces.map(\.name) == ["eno1", "eno2", "bond0", "bond0.100", "ovirtmgmt", "vnet0"])
        #expect(networks.network(named: "display")?.interfaces.map(\.name) == ["eno1", "eno2", "bond0"])

        let storage = try #require(networks.network(named: "storage"))
        #expect(storage.vdsm?.bridged == false)
        #expect(storage.vdsm?.ipv4.prefix == 24)
        #expect(storage.vlan == nil)
    }

    @Test func aProviderVNICNamesItsVMAndPort() throws {
        let network = try #require(Self.networks().network(named: SyntheticHost.vnicNetwork))
        #expect(network.fabric == .openVSwitch)
        #expect(network.vdsm == nil)
        let vnic = try #require(network.interfaces.first)
        #expect(network.interfaces.count == 1)
        #expect(vnic.name == "tap8f14e45f-ce")
        #expect(vnic.ovsBridge == "br-int")
        #expect(vnic.vmID == "c3d2")
        #expect(vnic.portID == SyntheticHost.vnicPort)
        #expect(network.vlan == nil, "the port's tag is in other_config here, not in the Port's tag column")
    }

    @Test func theRenderedNetworksShowTheVLANTagAndTheCarryingDevices() throws {
        let networks = Self.networks()
        let text = NetworkRenderer.render(networks)
        let management = try #require(text.split(separator: "\n").first { $0.hasPrefix("ovirtmgmt ") })
        let cells = management.split(separator: " ", omittingEmptySubsequences: true)
        #expect(Array(cells.prefix(8)) == ["ovirtmgmt", "VDSM", "100", "bond0", "yes", "1500", "legacy", "10.35.1.20/24"])
        let detail = NetworkRenderer.render(try #require(networks.network(named: "ovirtmgmt")))
        #expect(detail.contains("VLAN:          100\n"))
        #expect(detail.contains("Default route: yes\n"))
        #expect(NetworkRenderer.prefixLength("255.255.240.0") == 20)
        #expect(NetworkRenderer.prefixLength("255.0.255.0") == nil)
    }

    /// What the host can carry for a provider: the agents' mappings and tunnels, and OVN's from the OVS database.
    @Test func whatTheHostProvidesComesFromTheAgentsAndOVN() throws {
        let neutron = NeutronAgentConfig.load(files: FixtureHost.files)
        let ovn = ["ovn-bridge-mappings": "physnet1:br-phys,tenant-vlan:br-vlan", "ovn-encap-type": "geneve,vxlan",
                   "ovn-encap-ip": "192.0.2.5"]
        let reach = ProviderReach(neutron: neutron, switchIDs: ovn)
        #expect(reach.physicalNetworks.map { "\($0.name)/\($0.via.rawValue)/\($0.device)" } == [
            "extnet/linuxbridge/br-ext", "physnet1/openvswitch/br-phys", "physnet1/ovn/br-phys",
            "physnet2/openvswitch/br-ex", "provider/linuxbridge/eth4", "tenant-vlan/ovn/br-vlan",
        ])
        // vxlan from the OVS agent's tunnel_types, the Linux bridge agent's default and OVN's encap types.
        #expect(reach.overlayTypes == ["geneve", "vxlan"])
        #expect(reach.tunnelIP == "192.0.2.5")
        #expect(reach.unknown == nil)

        let blind = ProviderReach(neutron: NeutronAgentConfig(), switchIDs: nil)
        #expect(blind.physicalNetworks.isEmpty && blind.overlayTypes.isEmpty)
        #expect(blind.unknown?.contains("Open vSwitch database could not be read") == true)
        #expect(NetworkRenderer.provides(reach).hasPrefix("physical networks extnet (Linux Bridge br-ext), physnet1 (Open vSwitch br-phys)"))
        #expect(NetworkRenderer.provides(reach).hasSuffix("; overlays geneve, vxlan; tunnel endpoint 192.0.2.5"))
    }

    @Test func everyVDSMNetworkAttributeIsRead() throws {
        let root = NSTemporaryDirectory() + "fabric-nets-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nets = root + VDSMNetworkConfig.runningTree + "/nets"
        try FileManager.default.createDirectory(atPath: nets, withIntermediateDirectories: true)
        try #"""
            {"nic": "eth0", "vlan": 42, "bridged": true, "switch": "ovs", "mtu": "9000", "stp": false,
             "bootproto": "dhcp", "ipv6autoconf": true, "dhcpv6": "false", "ipv6addr": "fd00::5/64",
             "ipv6gateway": "fd00::1", "defaultRoute": false, "nameservers": ["192.0.2.53"],
             "hostQos": {"out": {"ls": {"m2": 10}, "ul": {"m2": "100"}}}}
            """#.write(toFile: nets + "/tenant", atomically: true, encoding: .utf8)
        try #"{"nic": "eth1", "hostQos": {"out": {"ls": {"m2": "many"}}}}"#
            .write(toFile: nets + "/broken", atomically: true, encoding: .utf8)
        let config = VDSMNetworkConfig.load(files: HostFiles(root: root))
        let network = try #require(config.networks.first)
        #expect(config.networks.count == 1)
        #expect(config.warnings == [VDSMNetworkConfig.runningTree + "/nets/broken: is not VDSM network JSON (hostQos.out.ls.m2 is not an integer)"])
        #expect(network.mtu == 9000 && network.stp == false && network.switchType == "ovs" && network.vlan == 42)
        #expect(network.ipv4 == VDSMNetwork.IPv4(bootProtocol: "dhcp"))
        #expect(network.ipv6 == VDSMNetwork.IPv6(autoconf: true, dhcp: false, addresses: ["fd00::5/64"], gateway: "fd00::1"))
        #expect(network.defaultRoute == false && network.nameservers == ["192.0.2.53"])
        #expect(network.hostQoS == VDSMNetwork.HostQoS(linkShare: 10, upperLimit: 100))
        #expect(NetworkRenderer.ipv4(network) == "dhcp" && NetworkRenderer.ipv6(network) == "fd00::5/64,autoconf")
    }
}
