// SPDX-License-Identifier: Apache-2.0
import DomainXML
import WiringRules
import Foundation
import Testing

@Suite struct DomainTransformTests {
    func run(_ input: [UInt8], bridge: String = "br-int") throws -> [UInt8]? {
        try DomainTransform.transform(input, settings: settings(bridge))
    }

    /// The <interface> elements of a domain, by MAC, as shapes.
    func interfaces(_ bytes: [UInt8]) throws -> [String: InterfaceShape] {
        let document = try DomainDocument(parsing: bytes)
        var chunks: [(String, String)] = []
        document.withRoot { domain in
            _ = domain.withFirstChild(named: "devices") { devices in
                devices.forEachChild(named: "interface") { interface in
                    let mac = interface.withFirstChild(named: "mac") { $0.attribute("address") ?? "" } ?? ""
                    chunks.append((mac, ""))
                }
            }
        }
        var result: [String: InterfaceShape] = [:]
        // Re-serialise each interface alone for InterfaceShape.
        let text = String(decoding: bytes, as: UTF8.self)
        var rest = Substring(text)
        for (mac, _) in chunks {
            guard let start = rest.range(of: "<interface "), let end = rest.range(of: "</interface>") else { break }
            result[mac] = try InterfaceShape(Array(String(rest[start.lowerBound..<end.upperBound]).utf8))
            rest = rest[end.upperBound...]
        }
        return result
    }

    @Test func onlyTheMACMatchedNICChangesAndMetadataIsKept() throws {
        let input = try Fixture.bytes("engine-domain.xml")
        let output = try #require(try run(input))
        let shapes = try interfaces(output)
        let wired = try #require(shapes["56:6f:1a:2b:00:07"])  // metadata MAC is upper case: compared case-insensitively
        #expect(wired.sources == ["br-int"])
        #expect(wired.targets == [["dev=tap8f14e45f-ce"]])
        #expect(wired.virtualports == ["openvswitch/parameters:interfaceid=8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f"])
        let other = try #require(shapes["56:6f:1a:2b:00:08"])  // empty <ovirt-vm:custom />: not a provider vNIC
        #expect(other == (try interfaces(input))["56:6f:1a:2b:00:08"])
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("<title>Prüfstand — Café ☕</title>"))
        #expect(text.contains("<description>Ελληνικά &amp; 日本語 &lt;ok&gt;</description>"))
        #expect(text.contains("<metadata xmlns:ovirt-tune=\"http://ovirt.org/vm/tune/1.0\" xmlns:ovirt-vm=\"http://ovirt.org/vm/1.0\">"))
        #expect(text.contains("<ovirt-vm:vm xmlns:ovirt-vm=\"http://ovirt.org/vm/1.0\">"))
        // Only the three wired lines differ from the input.
        let inputLines = String(decoding: input, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let outputLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(outputLines.count == inputLines.count + 4)
        #expect(Set(outputLines).subtracting(inputLines).count == 5)  // source, target, virtualport open/close, parameters
        #expect(try run(output) == nil)
        if Libvirt.available { try Libvirt.check(domain: output) }
    }

    @Test func vmLevelPropertiesOverrideDeviceOnes() throws {
        let input = try Fixture.bytes("engine-domain.xml")
        let text = String(decoding: input, as: UTF8.self).replacingOccurrences(
            of: "<ovirt-vm:tier>gold</ovirt-vm:tier>", with: "<ovirt-vm:plugin_type>SOMEONE_ELSE</ovirt-vm:plugin_type>")
        #expect(try run(Array(text.utf8)) == nil)
    }

    @Test func domainWithoutProviderVNICsIsNotRewritten() throws {
        let input = Array("<domain type=\"kvm\"><name>x</name><devices><interface type=\"bridge\"><mac address=\"56:6f:1a:2b:00:07\"/></interface></devices></domain>".utf8)
        #expect(try run(input) == nil)
    }

    @Test func metadataDeviceWithoutInterfaceIsIgnoredEvenIfInvalid() throws {
        let input = String(decoding: try Fixture.bytes("engine-domain.xml"), as: UTF8.self)
            .replacingOccurrences(of: "<mac address=\"56:6f:1a:2b:00:07\" />", with: "<mac address=\"56:6f:1a:2b:00:99\" />")
            .replacingOccurrences(of: "8F14E45F-CEEA-467F-A0E6-2A9B3C4D5E6F", with: "garbage")
        #expect(try run(Array(input.utf8)) == nil)
    }

    @Test(arguments: [("8F14E45F-CEEA-467F-A0E6-2A9B3C4D5E6F", "garbage"), ("OVIRT_PROVIDER_OVN", "")])
    func unwirableMatchedVNICFailsNamingTheMAC(replacing: String, with: String) throws {
        var text = String(decoding: try Fixture.bytes("engine-domain.xml"), as: UTF8.self)
            .replacingOccurrences(of: replacing, with: with)
        if with.isEmpty {
            text = text.replacingOccurrences(of: "EXTERNAL_NETWORK", with: "OPENSTACK_NETWORK")
        }
        let error = #expect(throws: WiringError.self) { try run(Array(text.utf8)) }
        #expect(error?.message.contains("56:6F:1A:2B:00:07") == true || error?.message.contains("56:6f:1a:2b:00:07") == true)
    }

    @Test(arguments: ["", "<domain>", "<interface/>"])
    func emptyMalformedOrWrongRootThrows(input: String) {
        #expect(throws: (any Error).self) { try run(Array(input.utf8)) }
    }

    /// 64 provider vNICs across every dialect plus 8 foreign ones, generated.
    static func bigDomain() -> (xml: String, ids: [String: String]) {
        var metadata = ""
        var devices = ""
        var ids: [String: String] = [:]
        let dialects = [
            ("OPENSTACK_NETWORK", "OPEN_VSWITCH"), ("OPENSTACK_NETWORK", "OPENSTACK_OVN"),
            ("EXTERNAL_NETWORK", "OVIRT_PROVIDER_OVN"), ("OPENSTACK_NETWORK", "LINUX_BRIDGE"),
        ]
        for index in 0..<72 {
            let mac = String(format: "56:6f:1a:2b:%02x:%02x", index / 256, index % 256)
            let id = String(format: "%08x-0000-4000-8000-%012x", index, index)
            let (provider, plugin) = dialects[index % 4]
            if index < 64 {
                ids[mac] = id
                metadata += """

                            <ovirt-vm:device mac_address="\(mac.uppercased())">
                                <ovirt-vm:custom>
                                    <ovirt-vm:vnic_id>\(id.uppercased())</ovirt-vm:vnic_id>
                                    <ovirt-vm:provider_type>\(provider)</ovirt-vm:provider_type>
                                    <ovirt-vm:plugin_type>\(plugin)</ovirt-vm:plugin_type>
                                    <ovirt-vm:network_id>1c9d0f7a-2b3c-4d5e-8f90-a1b2c3d4e5f6</ovirt-vm:network_id>
                                </ovirt-vm:custom>
                            </ovirt-vm:device>
                """
            }
            devices += """

                    <interface type="bridge">
                        <model type="virtio" />
                        <source bridge="ovirtmgmt" />
                        <alias name="ua-\(id)" />
                        <address bus="0x\(String(format: "%02x", index + 1))" domain="0x0000" function="0x0" slot="0x00" type="pci" />
                        <mac address="\(mac)" />
                        <mtu size="1442" />
                        <filterref filter="vdsm-no-mac-spoofing" />
                    </interface>
            """
        }
        let xml = """
            <?xml version='1.0' encoding='utf-8'?>
            <domain xmlns:ovirt-vm="http://ovirt.org/vm/1.0" type="kvm">
                <name>big</name>
                <memory>1048576</memory>
                <metadata>
                    <ovirt-vm:vm>\(metadata)
                    </ovirt-vm:vm>
                </metadata>
                <os>
                    <type arch="x86_64" machine="pc-q35-rhel8.6.0">hvm</type>
                </os>
                <devices>\(devices)
                </devices>
            </domain>
            """
        return (xml, ids)
    }

    @Test func sixtyFourNICDomain() throws {
        let (xml, ids) = Self.bigDomain()
        let output = try #require(try run(Array(xml.utf8)))
        let shapes = try interfaces(output)
        #expect(shapes.count == 72)
        for (mac, shape) in shapes {
            guard let id = ids[mac] else {
                #expect(shape.sources == ["ovirtmgmt"] && shape.targets.isEmpty, "foreign NIC \(mac) changed")
                continue
            }
            #expect(shape.targets == [["dev=tap" + id.prefix(11)]])
            if shape.virtualports.isEmpty {
                #expect(shape.sources == ["brq1c9d0f7a-2b"])
            } else {
                #expect(shape.virtualports == ["openvswitch/parameters:interfaceid=\(id)"])
                #expect(shape.sources == ["br-int"])
            }
        }
        #expect(try run(output) == nil)
        if Libvirt.available { try Libvirt.check(domain: output) }
    }

    @Test(.enabled(if: Libvirt.available, "needs virt-xml-validate and virsh (apt-get install libvirt-clients libvirt-daemon)"))
    func libvirtRefusesWhatItShouldSoTheCheckIsReal() {
        let bad = Array("<domain type=\"qemu\"><name>x</name><memory>65536</memory><os><type>hvm</type></os><devices><interface type=\"bridge\"><virtualport type=\"openvswitch\"><parameters interfaceid=\"not-a-uuid\"/></virtualport></interface></devices></domain>".utf8)
        #expect(throws: LibvirtRejected.self) { try Libvirt.check(domain: bad) }
    }
}
