// SPDX-License-Identifier: Apache-2.0
import WiringRules
import Testing
import VDSMHook

@Suite struct HostSidePlannerTests {
    static let id = "0E5B2B8C-5A3F-4B53-9D7A-1F2F0E6C1A11"
    static let vm = "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f"
    static let regenerated = Array(
        """
        <?xml version='1.0' encoding='utf-8'?>
        <interface type="bridge"><source bridge=";vdsmdummy;" /><mac address="56:6F:1A:2B:00:07" /><model type="virtio" /></interface>
        """.utf8)

    func plan(_ point: AfterHookPoint, _ properties: [String: String], input: [UInt8] = regenerated) throws -> HostChange? {
        try HostSidePlanner.change(
            at: point, input: input, property: { properties[$0] },
            settings: settings("br-test", linuxBridges: ["br-lb"]))
    }

    @Test func updateOfAnOVSNICPlugsTheTapWithLibvirtsExternalIDs() throws {
        let properties = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": Self.id, "vmId": Self.vm]
        guard case .plugOVS(let plug) = try plan(.afterUpdateDevice, properties) else {
            Issue.record("expected an OVS plug")
            return
        }
        #expect(plug.bridge == "br-test" && plug.tap == "tap0e5b2b8c-5a")
        #expect(plug.externalIDs == [
            "iface-id": "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11", "attached-mac": "56:6f:1a:2b:00:07",
            "vm-id": Self.vm, "iface-status": "active",
        ])
    }

    @Test func targetDevInTheXMLWins() throws {
        let input = Array(#"<interface type="bridge"><mac address="56:6f:1a:2b:00:07"/><target dev="tapabcdef01-23"/></interface>"#.utf8)
        let properties = ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": Self.id, "vmId": Self.vm]
        #expect(try plan(.afterUpdateDevice, properties, input: input)?.tap == "tapabcdef01-23")
        let foreignTarget = Array(#"<interface type="bridge"><mac address="56:6f:1a:2b:00:07"/><target dev="vnet0"/></interface>"#.utf8)
        #expect(throws: WiringError.self) { try plan(.afterUpdateDevice, properties, input: foreignTarget) }
    }

    @Test(arguments: [
        (["bridge_name": "br-lb"], HostChange.enslave(tap: "tap0e5b2b8c-5a", bridge: "br-lb")),
        (["network_id": "1c9d0f7a-2b00-4000-8000-000000000000"], .enslave(tap: "tap0e5b2b8c-5a", bridge: "brq1c9d0f7a-2b")),
        ([:], .detachFromPlaceholder(tap: "tap0e5b2b8c-5a")),
    ])
    func updateOfALinuxBridgeNIC(extra: [String: String], expected: HostChange) throws {
        let properties = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": Self.id]
            .merging(extra) { $1 }
        #expect(try plan(.afterUpdateDevice, properties) == expected)
    }

    @Test(arguments: [AfterHookPoint.afterDeviceCreate, .afterNicHotplug, .afterDeviceMigrateDestination])
    func otherPointsOnlyDetachFromThePlaceholderAndNeedNoXML(point: AfterHookPoint) throws {
        let lb = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": Self.id]
        #expect(try plan(point, lb, input: []) == .detachFromPlaceholder(tap: "tap0e5b2b8c-5a"))
        #expect(try plan(point, lb.merging(["bridge_name": "br-lb"]) { $1 }, input: []) == nil)
        #expect(try plan(point, ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": Self.id], input: []) == nil)
    }

    @Test func notOursIsNilWhateverTheXML() throws {
        #expect(try plan(.afterUpdateDevice, ["provider_type": "unmanaged"], input: Array("not xml".utf8)) == nil)
        #expect(try plan(.afterUpdateDevice, ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OTHER_VENDOR"], input: []) == nil)
    }

    @Test func oursButUnwireableThrows() {
        let ovs = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": Self.id, "vmId": Self.vm]
        #expect(throws: WiringError.self) { try plan(.afterUpdateDevice, ovs, input: []) }
        #expect(throws: WiringError.self) { try plan(.afterUpdateDevice, ovs.merging(["vmId": "x"]) { $1 }) }
        let noMAC = Array(#"<interface type="bridge"/>"#.utf8)
        #expect(throws: WiringError.self) { try plan(.afterUpdateDevice, ovs, input: noMAC) }
    }

    @Test(arguments: [
        ("/usr/libexec/vdsm/hooks/after_nic_hotplug/50_fabric", AfterHookPoint.afterNicHotplug),
        ("/usr/libexec/vdsm/hooks/after_device_migrate_destination/50_fabric", .afterDeviceMigrateDestination),
        ("/work/.build/debug/after_update_device", .afterUpdateDevice),
        ("/tmp/hooks/50_fabric", nil),
        ("/usr/libexec/vdsm/hooks/before_device_create/50_fabric", nil),
    ])
    func hookPointComesFromTheFolderName(path: String, expected: AfterHookPoint?) {
        #expect(AfterHookPoint(executablePath: path) == expected)
    }
}
