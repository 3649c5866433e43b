// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import FabricOVSDB
import Testing

@Suite struct InventoryBuilderTests {
    func rows(switchState: SwitchState?) -> [String: HostInterface] {
        let files = FixtureHost.files
        let classifier = Classifier(
            vdsm: VDSMNetworkConfig.load(files: files), neutron: NeutronAgentConfig.load(files: files),
            switchState: switchState)
        let builder = InventoryBuilder(sysfs: Sysfs(files: files), classifier: classifier)
        return Dictionary(uniqueKeysWithValues: builder.rows(from: SyntheticHost.snapshot).map { ($0.name, $0) })
    }

    static let expected: [(String, Fabric, String?)] = [
        ("lo", .unclassified, nil),
        ("eno1", .vdsm, "display, ovirtmgmt"),
        ("eno2", .vdsm, "display, ovirtmgmt"),
        ("bond0", .vdsm, "display, ovirtmgmt"),
        ("bond0.100", .vdsm, "ovirtmgmt"),
        ("ovirtmgmt", .vdsm, "ovirtmgmt"),
        ("vnet0", .vdsm, "ovirtmgmt"),
        ("eno3", .vdsm, "storage"),
        ("br-int", .openVSwitch, nil),
        ("ovs-system", .openVSwitch, nil),
        ("tap8f14e45f-ce", .openVSwitch, SyntheticHost.vnicNetwork),
        ("br-phys", .openVSwitch, "physnet1"),
        ("eth5", .openVSwitch, "physnet1"),
        ("brq1c9d0f7a-2b", .linuxBridge, "provider"),
        ("eth4", .linuxBridge, "provider"),
        ("eth4.300", .linuxBridge, "provider"),
        ("tapa4b7e2c1-90", .linuxBridge, "provider"),
        ("vxlan-42", .linuxBridge, "provider"),
        ("brq99999999-99", .linuxBridge, "network 99999999-99…"),
        ("virbr0", .unclassified, nil),
        (";vdsmdummy;", .vdsm, nil),
    ]

    @Test(arguments: expected)
    func everyRowIsClassifiedWithTheNeutronOVSAgent(name: String, fabric: Fabric, network: String?) throws {
        let row = try #require(rows(switchState: SyntheticHost.switchState())[name])
        #expect(row.classification.fabric == fabric, "\(row.classification.reason)")
        #expect(row.classification.networkName == network)
    }

    @Test func anOVNControlledSwitchMakesTheProviderRowsOVN() throws {
        let rows = rows(switchState: SyntheticHost.switchState(ovnRemote: "ssl:10.0.0.5:6642"))
        for name in ["br-int", "ovs-system", "tap8f14e45f-ce", "br-phys", "eth5"] {
            #expect(rows[name]?.classification.fabric == .ovn, "\(name)")
        }
        #expect(rows["ovirtmgmt"]?.classification.fabric == .vdsm)
        #expect(rows["brq1c9d0f7a-2b"]?.classification.fabric == .linuxBridge)
    }

    @Test func withoutTheOVSDatabaseOVSRowsSayMembershipIsUnknown() throws {
        let rows = rows(switchState: nil)
        for name in ["br-int", "ovs-system", "tap8f14e45f-ce", "eth5"] {
            let row = try #require(rows[name])
            #expect(row.classification.fabric == .unclassified, "\(name)")
            #expect(row.classification.reason.contains("not reachable"), "\(name)")
            #expect(row.ovs == nil)
        }
        #expect(rows["ovirtmgmt"]?.classification.fabric == .vdsm)
    }

    @Test func kindsSpeedsBondsAndAddresses() throws {
        let rows = rows(switchState: SyntheticHost.switchState())
        #expect(rows["lo"]?.kind == .loopback)
        #expect(rows["eno1"]?.kind == .nic)
        #expect(rows["br-int"]?.kind == .ovsInternal)
        #expect(rows["ovs-system"]?.kind == .ovsSystem)
        #expect(rows["vnet0"]?.kind == .tap)
        #expect(rows["bond0.100"]?.kind == .vlan)

        #expect(rows["eno1"]?.speedMbps == 10000)
        #expect(rows["eno3"]?.speedMbps == nil, "4294967295 is unknown")
        #expect(rows["bond0"]?.speedMbps == 10000, "active-backup: the active slave's speed")
        #expect(rows["bond0.100"]?.speedMbps == 10000, "a VLAN inherits its parent's speed")
        #expect(rows["ovirtmgmt"]?.speedMbps == nil)

        #expect(rows["eno1"]?.bond == "bond0")
        #expect(rows["bond0"]?.bond == "bond0")
        #expect(rows["bond0.100"]?.bond == nil)
        #expect(rows["eno1"]?.permanentMAC == "3c:fd:fe:10:20:30")
        #expect(rows["bond0"]?.bonding?.slaves == ["eno1", "eno2"])

        #expect(rows["ovirtmgmt"]?.primaryAddress == "10.35.1.20/24", "primary, not secondary or link-scope")
        #expect(rows["eno3"]?.primaryAddress == "2001:db8::20/64")
        #expect(rows["lo"]?.primaryAddress == nil, "host scope is not an address to show")
        #expect(rows["ovirtmgmt"]?.bridgePorts == ["bond0.100", "vnet0"])
        #expect(rows["bond0.100"]?.parent == "bond0")
        #expect(rows["bond0.100"]?.vlanID == 100)

        let tap = try #require(rows["tap8f14e45f-ce"]?.ovs)
        #expect(tap.bridge == "br-int")
        #expect(tap.externalIDs["iface-id"] == SyntheticHost.vnicPort)
        #expect(tap.portOtherConfig["segmentation_id"] == "300")
    }

    @Test func aUserspaceDatapathInternalPortIsRecognisedThroughOVSDB() throws {
        // With datapath_type=netdev, br-int is a plain tun device to the kernel.
        var snapshot = SyntheticHost.snapshot
        let i = try #require(snapshot.links.firstIndex { $0.name == "br-int" })
        snapshot.links[i].kind = "tun"
        snapshot.links[i].tunMode = "tap"
        let files = FixtureHost.files
        let builder = InventoryBuilder(
            sysfs: Sysfs(files: files),
            classifier: Classifier(vdsm: VDSMNetworkConfig(), neutron: NeutronAgentConfig(),
                                   switchState: SyntheticHost.switchState()))
        let row = try #require(builder.rows(from: snapshot).first { $0.name == "br-int" })
        #expect(row.kind == .ovsInternal)
        #expect(row.classification.fabric == .openVSwitch)
    }
}
