// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

@Suite(.enabled(if: BuiltHooks.available, "hook executables not built: run `swift build` first"))
struct HookContractTests {
    static let id = "8F14E45F-CEEA-467F-A0E6-2A9B3C4D5E6F"
    static let ovs = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": id]
    static let interface = Array(
        """
        <?xml version='1.0' encoding='utf-8'?>
        <interface type="bridge">
            <model type="virtio" />
            <source bridge="ext" />
            <mac address="56:6f:1a:2b:00:07" />
            <mtu size="1442" />
        </interface>
        """.utf8)

    /// 10_other edits the file before fabric; 90_check records what it saw after fabric.
    func chain(_ executable: String, log: String) throws -> HooksFolder {
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path(executable)))
        try folder.script("10_other", #"sed -i 's|<mtu size="1442" />|<mtu size="1442" /><!-- 10_other -->|' "$_hook_domxml""#)
        try folder.script("90_check", "test -s \"$_hook_domxml\" && echo \"$vmId $(grep -c tap8f14e45f-ce \"$_hook_domxml\")\" > \(log)")
        try folder.script("60_not_executable", "exit 3", mode: 0o644)
        try folder.script(".hidden", "exit 3")
        try FileManager.default.createDirectory(atPath: folder.path + "/__pycache__", withIntermediateDirectories: true)
        return folder
    }

    func logPath() -> String { NSTemporaryDirectory() + "hook-log-\(UUID().uuidString)" }

    /// VDSM fills a hook's environment from custom properties, which anyone allowed to edit a VM can set: none of
    /// them chooses a setting, a file to read or a program to run. Settings come from root's hooks.conf only.
    @Test(.enabled(if: HookSettingsOverlay.unavailableReason == nil, "\(HookSettingsOverlay.unavailableReason ?? "")"))
    func settingsComeOnlyFromRootsFileNeverFromProperties() throws {
        let hook = HookProcess(executable: try #require(BuiltHooks.path("before_device_create")), point: "before_device_create")
        let overlay = try HookSettingsOverlay(settings: "integration_bridge = br-conf\n")
        let hostile = Self.ovs.merging([
            "FABRIC_INTEGRATION_BRIDGE": "br-evil", "FABRIC_HOOKS_CONF": "/etc/passwd", "FABRIC_WIRE_PATH": "/bin/sh",
            "FABRIC_AGENT_SOCKET": "/tmp/evil.sock", "OVS_RUNDIR": "/tmp",
        ]) { $1 }
        let wired = try hook.run(data: Self.interface, environment: hostile, settings: overlay)
        #expect(wired.status == 0 && wired.stderr.isEmpty, "\(wired.stderr)")
        let text = String(decoding: wired.output, as: UTF8.self)
        #expect(text.contains(#"<source bridge="br-conf" />"#) && !text.contains("br-evil"))

        // A file that is not hooks.conf: the error names the file and the line, and quotes nothing of it.
        let passwd = try HookSettingsOverlay(settings: "root:x:0:0:root:/root:/bin/bash\n")
        let refused = try hook.run(data: Self.interface, environment: Self.ovs, settings: passwd)
        #expect(refused.status == 2)
        #expect(refused.stderr == "fabric: /etc/fabric/hooks.conf line 1 is not key = value\n")
        #expect(refused.output == Self.interface)
    }

    @Test func wiresBetweenOtherHooksInByteOrder() throws {
        let log = logPath()
        defer { try? FileManager.default.removeItem(atPath: log) }
        let folder = try chain("before_device_create", log: log)
        let (runs, output) = try VDSMRunner(folder: folder.path).run(data: Self.interface, properties: Self.ovs)
        #expect(runs.map(\.name) == ["10_other", "50_fabric", "90_check"])
        #expect(runs.allSatisfy { $0.status == 0 && $0.stderr.isEmpty })
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("<!-- 10_other -->"))
        #expect(text.contains("<target dev=\"tap8f14e45f-ce\" />"))
        #expect(text.contains("<parameters interfaceid=\"8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f\" />"))
        #expect(text.hasPrefix("<?xml version='1.0' encoding='utf-8'?>\n<interface"))
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f 1\n")
    }

    @Test(arguments: [
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "FOO", "vnic_id": id], "FOO"),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": "abc"], "abc"),
        (["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN"], "vnic_id"),
        (["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": id, "bridge_name": "ovirtmgmt"],
         "not a provider bridge"),
    ])
    func fatalErrorsExitTwoWithOneLineAndStopTheChain(properties: [String: String], named: String) throws {
        let log = logPath()
        let folder = try chain("before_device_create", log: log)
        let (runs, output) = try VDSMRunner(folder: folder.path).run(data: Self.interface, properties: properties)
        #expect(runs.map(\.name) == ["10_other", "50_fabric"])
        let fabric = try #require(runs.last)
        #expect(fabric.status == 2)
        #expect(fabric.stderr.hasPrefix("fabric: "))
        #expect(fabric.stderr.contains(named))
        #expect(fabric.stderr.filter { $0 == "\n" }.count == 1 && fabric.stderr.hasSuffix("\n"))
        #expect(!FileManager.default.fileExists(atPath: log))
        // The file holds 10_other's edit and nothing of fabric's: never empty, never half-written.
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("<!-- 10_other -->") && !text.contains("virtualport"))
    }

    @Test(arguments: [["provider_type": "unmanaged", "plugin_type": "x"], [:]])
    func otherProvidersLeaveTheFileByteIdentical(properties: [String: String]) throws {
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path("before_device_create")))
        for data in [Self.interface, [], Array("not xml".utf8)] {
            let (runs, output) = try VDSMRunner(folder: folder.path).run(data: data, properties: properties)
            #expect(runs.map(\.status) == [0])
            #expect(output == data)
        }
    }

    /// As ovirt-provider-ovn's own hook: `EXTERNAL_NETWORK` is wired only with `OVIRT_PROVIDER_OVN`; any other
    /// external provider's vNIC is left byte-identical, exit 0, with one line saying why.
    @Test(arguments: [
        ["provider_type": "EXTERNAL_NETWORK", "vnic_id": id], ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "", "vnic_id": id],
        ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "VENDOR_X", "vnic_id": id],
    ])
    func externalNetworkWithoutTheOVNPluginIsLeftAloneWithOneLine(properties: [String: String]) throws {
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path("before_device_create")))
        let (runs, output) = try VDSMRunner(folder: folder.path).run(data: Self.interface, properties: properties)
        #expect(runs.map(\.status) == [0])
        #expect(output == Self.interface)
        let stderr = try #require(runs.first?.stderr)
        #expect(stderr.hasPrefix("fabric: ") && stderr.contains("left untouched"))
        #expect(stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func secondRunOnOwnOutputIsIdentical() throws {
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path("before_device_create")))
        let runner = VDSMRunner(folder: folder.path)
        let first = try runner.run(data: Self.interface, properties: Self.ovs).output
        let second = try runner.run(data: first, properties: Self.ovs).output
        #expect(first != Self.interface)
        #expect(second == first)
    }

    @Test func beforeVMStartWiresFromMetadata() throws {
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path("before_vm_start")))
        let domain = Array(
            """
            <?xml version='1.0' encoding='utf-8'?>
            <domain xmlns:ovirt-vm="http://ovirt.org/vm/1.0" type="kvm">
                <name>v</name>
                <metadata>
                    <ovirt-vm:vm>
                        <ovirt-vm:device mac_address="56:6F:1A:2B:00:07">
                            <ovirt-vm:custom>
                                <ovirt-vm:vnic_id>\(Self.id)</ovirt-vm:vnic_id>
                                <ovirt-vm:provider_type>EXTERNAL_NETWORK</ovirt-vm:provider_type>
                                <ovirt-vm:plugin_type>OVIRT_PROVIDER_OVN</ovirt-vm:plugin_type>
                            </ovirt-vm:custom>
                        </ovirt-vm:device>
                    </ovirt-vm:vm>
                </metadata>
                <devices>
                    <interface type="bridge">
                        <source bridge="ext" />
                        <mac address="56:6f:1a:2b:00:07" />
                    </interface>
                </devices>
            </domain>
            """.utf8)
        let (runs, output) = try VDSMRunner(folder: folder.path).run(data: domain, properties: [:])
        #expect(runs.map(\.status) == [0])
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("<source bridge=\"br-int\" />"))
        #expect(text.contains("interfaceid=\"8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f\""))
    }

    @Test func missingDomainXMLVariableExitsTwo() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(BuiltHooks.path("before_device_create")))
        process.environment = ["vmId": "x"]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let bytes = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(String(decoding: bytes, as: UTF8.self).contains("_hook_domxml"))
    }

    @Test(arguments: ["after_update_device", "after_device_create", "after_nic_hotplug", "after_device_migrate_destination"])
    func afterHooksLeaveForeignVNICsAloneSilently(point: String) throws {
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path("after_update_device")), point: point)
        for properties in [["provider_type": "unmanaged", "plugin_type": "x"], ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "VENDOR_X"], [:]] {
            for data in [Self.interface, [], Array("not xml".utf8)] {
                let (runs, output) = try VDSMRunner(folder: folder.path).run(data: data, properties: properties)
                #expect(runs.map(\.status) == [0] && runs.allSatisfy { $0.stderr.isEmpty })
                #expect(output == data)
            }
        }
    }

    /// An OVS vNIC whose tap does not exist (or, as non-root, whose helper cannot run): exit 1 with one line, the
    /// remaining after-hooks still run, the file is not touched, and it fails fast instead of hanging.
    @Test func afterUpdateDeviceFailureExitsOneAndTheChainContinues() throws {
        let log = logPath()
        defer { try? FileManager.default.removeItem(atPath: log) }
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path("after_update_device")), point: "after_update_device")
        try folder.script("90_check", "echo ran > \(log)")
        let properties = Self.ovs
        let started = ContinuousClock.now
        let (runs, output) = try VDSMRunner(folder: folder.path).run(data: Self.interface, properties: properties)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(runs.map(\.name) == ["50_fabric", "90_check"])
        let fabric = try #require(runs.first)
        #expect(fabric.status == 1)
        #expect(fabric.stderr.hasPrefix("fabric: ") && fabric.stderr.filter { $0 == "\n" }.count == 1)
        #expect(FileManager.default.fileExists(atPath: log))
        #expect(output == Self.interface)
    }

    @Test func afterHookOutsideAHookFolderRefusesToGuess() throws {
        let folder = try HooksFolder(fabric: try #require(BuiltHooks.path("after_update_device")))
        let (runs, _) = try VDSMRunner(folder: folder.path).run(data: Self.interface, properties: Self.ovs)
        #expect(runs.map(\.status) == [1])
        #expect(runs.first?.stderr.contains("hook point") == true)
    }
}
