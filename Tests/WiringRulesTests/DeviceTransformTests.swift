// SPDX-License-Identifier: Apache-2.0
import DomainXML
import WiringRules
import Foundation
import Testing

@Suite struct DeviceTransformTests {
    static let id = "8F14E45F-CEEA-467F-A0E6-2A9B3C4D5E6F"
    static let ovsDialects: [[String: String]] = [
        ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": id],
        ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPENSTACK_OVN", "vnic_id": id],
        ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": id],
    ]
    static let fixtures = ["engine-interface.xml", "hotplug-interface.xml", "prewired-interface.xml"]
    static let untouched = ["model", "link", "driver", "alias", "address", "mac", "mtu", "filterref", "bandwidth", "boot"]

    func run(_ input: [UInt8], _ values: [String: String], bridge: String = "br-int") throws -> [UInt8]? {
        // br-lb0 stands for a provider bridge the host's hooks.conf lists (linux_bridges).
        try DeviceTransform.transform(input, property: properties(values), settings: settings(bridge, linuxBridges: ["br-lb0"]))
    }

    @Test(arguments: ovsDialects, fixtures)
    func openVSwitchDialectsWire(values: [String: String], fixture: String) throws {
        let input = try Fixture.bytes(fixture)
        let output = try #require(try run(input, values))
        let shape = try InterfaceShape(output)
        #expect(shape.type == "bridge")
        #expect(shape.sources == ["br-int"])
        #expect(shape.targets == [["dev=tap8f14e45f-ce"]])
        #expect(shape.virtualports == ["openvswitch/parameters:interfaceid=8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f"])
        let before = try InterfaceShape(input)
        #expect(shape.children.filter(Self.untouched.contains) == before.children.filter(Self.untouched.contains))
        // Running again on its own output changes nothing.
        #expect(try run(output, values) == nil)
        if Libvirt.available { try Libvirt.check(domain: try Libvirt.domain(around: output)) }
    }

    @Test(arguments: [
        ([:] as [String: String], ";vdsmdummy;"),
        (["network_id": "1c9d0f7a-2b3c-4d5e-8f90-a1b2c3d4e5f6"], "brq1c9d0f7a-2b"),
        (["bridge_name": "br-lb0"], "br-lb0"),
    ], fixtures)
    func linuxBridgeWiresTapWithoutVirtualport(bridgeCase: ([String: String], String), fixture: String) throws {
        let (extra, bridge) = bridgeCase
        var values = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": Self.id]
        values.merge(extra) { $1 }
        let output = try #require(try run(try Fixture.bytes(fixture), values))
        let shape = try InterfaceShape(output)
        #expect(shape.sources == [bridge])
        #expect(shape.targets == [["dev=tap8f14e45f-ce"]])
        #expect(shape.virtualports.isEmpty)
        #expect(try run(output, values) == nil)
        // libvirt's schema refuses `;` in a bridge name; the placeholder is VDSM's own convention.
        if Libvirt.available, bridge != ";vdsmdummy;" { try Libvirt.check(domain: try Libvirt.domain(around: output)) }
    }

    @Test func onlyTheWiredElementsChangeInPrettyInput() throws {
        let input = try Fixture.bytes("engine-interface.xml")
        let output = try #require(try run(input, Self.ovsDialects[0]))
        let expected = String(decoding: input, as: UTF8.self)
            .replacingOccurrences(of: "<source bridge=\"ext-net\" />", with: "<source bridge=\"br-int\" />")
            .replacingOccurrences(
                of: "    <boot order=\"2\" />\n",
                with: """
                        <boot order="2" />
                        <target dev="tap8f14e45f-ce" />
                        <virtualport type="openvswitch">
                            <parameters interfaceid="8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f" />
                        </virtualport>

                    """)
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    @Test func hotplugInputStaysOnOneLineWithItsDeclaration() throws {
        let output = String(decoding: try #require(try run(try Fixture.bytes("hotplug-interface.xml"), Self.ovsDialects[2])), as: UTF8.self)
        #expect(output.hasPrefix("<?xml version='1.0' encoding='utf-8'?><interface type=\"bridge\">"))
        #expect(!output.contains("\n"))
    }

    @Test func configuredIntegrationBridgeIsUsed() throws {
        let output = try #require(try run(try Fixture.bytes("engine-interface.xml"), Self.ovsDialects[0], bridge: "br-ovn"))
        #expect(try InterfaceShape(output).sources == ["br-ovn"])
    }

    @Test(arguments: [
        ["provider_type": "unmanaged", "plugin_type": "whatever"], [:],
        ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "THIRD_PARTY", "vnic_id": "x"],
        ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "", "vnic_id": id],
        ["provider_type": "EXTERNAL_NETWORK", "vnic_id": id],
    ])
    func otherProvidersLeaveEvenGarbageUntouched(values: [String: String]) throws {
        #expect(try run(Array("not xml".utf8), values) == nil)
        #expect(try run([], values) == nil)
        #expect(try run(try Fixture.bytes("engine-interface.xml"), values) == nil)
    }

    @Test(arguments: [
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "FOO", "vnic_id": id], "engine-interface.xml"),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": "abc"], "engine-interface.xml"),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH"], "engine-interface.xml"),
    ])
    func badDetailsThrow(values: [String: String], fixture: String) throws {
        let input = try Fixture.bytes(fixture)
        #expect(throws: WiringError.self) { try run(input, values) }
    }

    @Test(arguments: ["", "<interface type=\"bridge\"><source bridge=\"x\"></interface>", "not xml"])
    func malformedOrEmptyXMLThrowsForOurVNIC(input: String) {
        #expect(throws: (any Error).self) { try run(Array(input.utf8), Self.ovsDialects[0]) }
    }

    @Test func nonInterfaceElementIsLeftAlone() throws {
        #expect(try run(Array("<disk type=\"file\"/>".utf8), Self.ovsDialects[0]) == nil)
    }

    @Test func wrongInterfaceTypeBecomesBridgeAndStaleSourceIsReplaced() throws {
        let input = "<interface type=\"network\"><source network=\"default\" portgroup=\"p\"/><mac address=\"56:6f:1a:2b:00:01\"/></interface>"
        let output = try #require(try run(Array(input.utf8), Self.ovsDialects[0]))
        #expect(
            String(decoding: output, as: UTF8.self)
                == "<interface type=\"bridge\"><source bridge=\"br-int\"/><mac address=\"56:6f:1a:2b:00:01\"/>"
                + "<target dev=\"tap8f14e45f-ce\"/><virtualport type=\"openvswitch\">"
                + "<parameters interfaceid=\"8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f\"/></virtualport></interface>")
        if Libvirt.available { try Libvirt.check(domain: try Libvirt.domain(around: output)) }
    }

    @Test func nonASCIIAliasSurvives() throws {
        let input = "<?xml version='1.0' encoding='utf-8'?>\n<interface type=\"bridge\">\n    <alias name=\"ua-café-網\" />\n    <mac address=\"56:6f:1a:2b:00:01\" />\n</interface>"
        let output = String(decoding: try #require(try run(Array(input.utf8), Self.ovsDialects[0])), as: UTF8.self)
        #expect(output.contains("<alias name=\"ua-café-網\" />"))
    }
}
