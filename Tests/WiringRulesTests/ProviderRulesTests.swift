// SPDX-License-Identifier: Apache-2.0
import WiringRules
import Testing
import VDSMHook

@Suite struct ProviderRulesTests {
    static let id = "8F14E45F-CEEA-467F-A0E6-2A9B3C4D5E6F"
    static let port = PortID(id)!

    static let wired: [([String: String], VNICWiring)] = [
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": id],
         .openVSwitch(integrationBridge: "br-int", port: port)),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPENSTACK_OVN", "vnic_id": id],
         .openVSwitch(integrationBridge: "br-int", port: port)),
        (["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": id],
         .openVSwitch(integrationBridge: "br-int", port: port)),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": id],
         .linuxBridge(bridge: ";vdsmdummy;", port: port)),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": id,
          "network_id": "1C9D0F7A-2B3C-4D5E-8F90-A1B2C3D4E5F6"], .linuxBridge(bridge: "brq1c9d0f7a-2b", port: port)),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": id,
          "network_id": "1c9d0f7a-2b3c-4d5e-8f90-a1b2c3d4e5f6", "bridge_name": "br-lb"],
         .linuxBridge(bridge: "br-lb", port: port)),
    ]

    @Test(arguments: wired)
    func dialectsMapToWirings(values: [String: String], expected: VNICWiring) throws {
        #expect(try ProviderRules.wiring(property: properties(values), settings: settings(linuxBridges: ["br-lb"])) == expected)
    }

    @Test(arguments: [
        [:], ["provider_type": "unmanaged", "plugin_type": "x"], ["provider_type": "OPENSTACK_NETWORK_X"],
        ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "THIRD_PARTY", "vnic_id": "not checked"],
        ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "", "vnic_id": id],
        ["provider_type": "EXTERNAL_NETWORK", "vnic_id": id],
        ["vnic_id": id, "plugin_type": "OPEN_VSWITCH"],
    ])
    func otherProvidersAreNotOurs(values: [String: String]) throws {
        #expect(try ProviderRules.wiring(property: properties(values), settings: settings()) == nil)
    }

    @Test(arguments: [
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "FOO", "vnic_id": id], "FOO"),
        (["provider_type": "OPENSTACK_NETWORK", "vnic_id": id], "plugin_type"),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH"], "vnic_id"),
        (["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": ""], "vnic_id"),
        (["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": "port-1"], "port-1"),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": id, "network_id": "n1"], "n1"),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": id,
          "bridge_name": "a-very-long-bridge-name"], "a-very-long-bridge-name"),
    ])
    func badDetailsFailNamingTheValue(values: [String: String], named: String) {
        let error = #expect(throws: WiringError.self) {
            try ProviderRules.wiring(property: properties(values), settings: settings())
        }
        #expect(error?.message.contains(named) == true)
    }

    @Test func settingsAreReadOnlyForOurVNICs() throws {
        var loads = 0
        let counting = { () throws(WiringError) -> HookSettings in
            loads += 1
            throw WiringError("broken configuration")
        }
        #expect(try ProviderRules.wiring(property: properties(["provider_type": "x"]), settings: counting) == nil)
        #expect(loads == 0)
        #expect(throws: WiringError("broken configuration")) {
            try ProviderRules.wiring(
                property: properties(["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": Self.id]),
                settings: counting)
        }
    }

    @Test func externalNetworkWithoutTheOVNPluginIsLeftWithANote() {
        let missing = ProviderRules.ignoredNote(property: properties(["provider_type": "EXTERNAL_NETWORK", "vnic_id": Self.id]))
        #expect(missing?.contains("no plugin_type") == true)
        let empty = ProviderRules.ignoredNote(property: properties(["provider_type": "EXTERNAL_NETWORK", "plugin_type": ""]))
        #expect(empty?.contains("no plugin_type") == true)
        let vendor = ProviderRules.ignoredNote(property: properties(["provider_type": "EXTERNAL_NETWORK", "plugin_type": "VENDOR_X"]))
        #expect(vendor?.contains("VENDOR_X") == true)
        #expect(ProviderRules.ignoredNote(property: properties(["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN"])) == nil)
        #expect(ProviderRules.ignoredNote(property: properties(["provider_type": "OPENSTACK_NETWORK"])) == nil)
        #expect(ProviderRules.ignoredNote(property: properties([:])) == nil)
    }
}

/// One bridge-name rule for hooks.conf, the bridge_name property and fabric-wire: what one accepts the others do
/// (a name listed in linux_bridges; ProviderBridgeTests covers which names are provider bridges).
@Suite struct BridgeNameRuleTests {
    @Test(arguments: ["br-int", "brq1c9d0f7a-2b", "ovirtmgmt", "br_ex.100", "a"])
    func acceptedEverywhere(name: String) throws {
        #expect(HostNames.isBridgeName(name))
        let values = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "bridge_name": name]
        #expect(try ProviderRules.linuxBridgeName(properties(values), settings: settings(linuxBridges: [name])) == name)
    }

    @Test(arguments: ["br@int", ";vdsmdummy;", "-br", ".br", "br int", "br/int", "br:0", "a-very-long-bridge-name", ""])
    func refusedEverywhere(name: String) throws {
        #expect(!HostNames.isBridgeName(name))
        if !name.isEmpty {
            let values = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "bridge_name": name]
            #expect(throws: WiringError.self) {
                try ProviderRules.linuxBridgeName(properties(values), settings: settings(linuxBridges: [name]))
            }
        }
    }
}
