// SPDX-License-Identifier: Apache-2.0
import WiringRules
import Foundation
import Testing
import VDSMHook

/// Which bridges a provider vNIC may be wired into: the hooks and fabric-wire apply this one rule.
@Suite struct ProviderBridgeTests {
    static let none = VDSMNetworkNames(trees: [])

    @Test func openVSwitchOnlyTheIntegrationBridge() throws {
        let settings = HookSettings(integrationBridge: "br-ovn")
        try ProviderBridge.checkOpenVSwitch("br-ovn", settings: settings, vdsmNetworks: Self.none)
        for other in ["br-int", "ovirtmgmt", "brq1c9d0f7a-2b"] {
            let error = #expect(throws: WiringError.self) {
                try ProviderBridge.checkOpenVSwitch(other, settings: settings, vdsmNetworks: Self.none)
            }
            #expect(error?.message.contains("not the integration bridge (br-ovn)") == true)
        }
    }

    @Test func linuxBridgeNeutronsOrListed() throws {
        let settings = HookSettings(linuxBridges: ["br-lb", "physnet1"])
        for accepted in ["brq1c9d0f7a-2b", "br-lb", "physnet1"] {
            try ProviderBridge.checkLinuxBridge(accepted, settings: settings, vdsmNetworks: Self.none)
        }
        // brq + 11 characters of a UUID exactly: not a longer, shorter or upper-case one.
        for refused in ["ovirtmgmt", "br-int", "brq1C9D0F7A-2B", "brq1c9d0f7a-2", "brqxyz", "brq1c9d0f7a_2b"] {
            let error = #expect(throws: WiringError.self) {
                try ProviderBridge.checkLinuxBridge(refused, settings: settings, vdsmNetworks: Self.none)
            }
            #expect(error?.message.contains("is not a provider bridge") == true)
        }
    }

    /// VDSM's own bridges are refused even when the settings name them.
    @Test func neverAVDSMNetworksBridge() throws {
        let tree = NSTemporaryDirectory() + "netconf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tree + "/nets", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tree) }
        try Data(#"{"bridged": true, "nic": "eth0"}"#.utf8).write(to: URL(fileURLWithPath: tree + "/nets/ovirtmgmt"))
        let vdsm = VDSMNetworkNames(trees: ["/nonexistent-fabric-tree", tree])
        #expect(vdsm.contains("ovirtmgmt") && !vdsm.contains("br-int"))

        let settings = HookSettings(integrationBridge: "ovirtmgmt", linuxBridges: ["ovirtmgmt"])
        let linux = #expect(throws: WiringError.self) {
            try ProviderBridge.checkLinuxBridge("ovirtmgmt", settings: settings, vdsmNetworks: vdsm)
        }
        #expect(linux?.message.contains("bridge of a VDSM network") == true)
        #expect(throws: WiringError.self) { try ProviderBridge.checkOpenVSwitch("ovirtmgmt", settings: settings, vdsmNetworks: vdsm) }
        // VDSM's OVS switch type names its bridges vdsmbr_…, with no file of that name.
        let ovs = HookSettings(integrationBridge: "vdsmbr_AbCd1234")
        #expect(throws: WiringError.self) { try ProviderBridge.checkOpenVSwitch("vdsmbr_AbCd1234", settings: ovs, vdsmNetworks: vdsm) }
    }

    /// The device property goes through the same rule.
    @Test func bridgeNamePropertyMustBeAProviderBridge() throws {
        let values = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f",
                      "bridge_name": "ovirtmgmt"]
        let error = #expect(throws: WiringError.self) { try ProviderRules.wiring(property: properties(values), settings: settings()) }
        #expect(error?.message.contains("bridge_name") == true)
        #expect(error?.message.contains("not a provider bridge") == true)
    }
}
