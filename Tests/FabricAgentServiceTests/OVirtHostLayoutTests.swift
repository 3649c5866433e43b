// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// This machine laid out as an EL oVirt host (scripts/ovirt-host-setup.sh): VDSM's `vdsm` (uid 36) in `kvm`,
/// Open vSwitch's database and ovn-controller running as `openvswitch:hugetlbfs` in a 0750 run directory,
/// Neutron's configuration `root:neutron` 0640, and the agent started with the identity, groups and capability
/// sets that `systemd/fabric-agent.service` itself declares. Every hook runs as `vdsm`.
@Suite("oVirt host layout (vdsm, fabric, openvswitch:hugetlbfs)", .serialized, .timeLimit(.minutes(4)))
struct OVirtHostLayoutTests {
    static let unitPath = FileManager.default.currentDirectoryPath + "/systemd/fabric-agent.service"

    static var unavailableReason: String? {
        if geteuid() != 0 { return "needs root" }
        for user in ["vdsm", "fabric", "openvswitch"] where getpwnam(user) == nil {
            return "no user \(user): run scripts/ovirt-host-setup.sh (make test does)"
        }
        for group in ["kvm", "hugetlbfs", "neutron"] where getgrnam(group) == nil {
            return "no group \(group): run scripts/ovirt-host-setup.sh (make test does)"
        }
        if let reason = OVSSandbox.unavailableReason { return reason }
        for tool in ["/usr/bin/ovn-controller", "/usr/bin/ovn-sbctl", "/usr/bin/setpriv"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (make test installs ovn-host, ovn-central, util-linux)"
        }
        for product in ["fabric-agent", "after_get_caps", "before_device_create", "before_vm_start", "after_update_device"]
        where BuiltProducts.path(product) == nil {
            return "\(product) is not built (swift build)"
        }
        return nil
    }

    static let portID = "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f"

    // MARK: after_get_caps

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func afterGetCapsAsVDSMGetsTheLiveTableAndTheBindingHostIDs() throws {
        let host = try ELHost()
        let agent = try host.startAgent()
        #expect(try AgentProcess.eventually(seconds: 15) {
            let table = try agent.json("/v1/interfaces")
            return table["intervalSeconds"] != nil && Self.row("ovsp0", in: table)?["ovs"] != nil
        })

        // The socket belongs to the agent's user and VDSM's group, and only they may connect.
        let socket = try FileManager.default.attributesOfItem(atPath: host.socket)
        #expect(socket[.ownerAccountName] as? String == "fabric")
        #expect(socket[.groupOwnerAccountName] as? String == "kvm")
        #expect((socket[.posixPermissions] as? Int) == 0o660)

        let existing = #"{"kvmEnabled":"true","openstack_binding_host_ids":{"VENDOR_X":"keep-me","OVIRT_PROVIDER_OVN":"stale"}}"#
        let up = try host.afterGetCaps(existing)
        #expect(up.status == 0)
        #expect(up.stderr.isEmpty, "\(up.stderr)")
        let table = try #require(up.caps["fabric_host_interfaces"] as? [String: Any])
        #expect(Self.agentSource(table)?["answered"] as? Bool == true)
        #expect(table["intervalSeconds"] != nil, "the agent's table, with rates")
        let port = try #require(Self.row("ovsp0", in: table))
        #expect((port["ovs"] as? [String: Any])?["bridge"] as? String == "br-int", "OVS membership read as fabric")
        #expect(port["rates"] != nil)
        let warnings = ((table["sources"] as? [String: Any])?["warnings"] as? [String]) ?? []
        #expect(!warnings.contains { $0.contains("cannot read") }, "Neutron's root:neutron 0640 file is read: \(warnings)")

        // The ids, as the reference hooks send them, merged into the map another hook left.
        #expect(try AgentProcess.eventually(seconds: 15) { try host.registeredChassis() == [host.systemID] })
        let ids = try #require(up.caps["openstack_binding_host_ids"] as? [String: String])
        #expect(ids["OVIRT_PROVIDER_OVN"] == (try host.registeredChassis().first), "the chassis ovn-controller registered")
        #expect(ids["OPEN_VSWITCH"] == host.hostname && ids["OPENSTACK_OVN"] == host.hostname)
        #expect(ids["VENDOR_X"] == "keep-me")
        #expect(up.caps["kvmEnabled"] as? String == "true")

        // odl_os_hostconfig_hostid wins over hostname once set.
        try host.ovs.vsctl("set", "Open_vSwitch", ".", "external_ids:odl_os_hostconfig_hostid=odl-host-7")
        #expect(try AgentProcess.eventually {
            let ovsdb = (try agent.json("/v1/interfaces")["sources"] as? [String: Any])?["ovsdb"] as? [String: Any]
            return (ovsdb?["hostExternalIDs"] as? [String: String])?["odl_os_hostconfig_hostid"] == "odl-host-7"
        })
        let odl = try #require(try host.afterGetCaps("{}").caps["openstack_binding_host_ids"] as? [String: String])
        #expect(odl == ["OPEN_VSWITCH": "odl-host-7", "OPENSTACK_OVN": "odl-host-7", "OVIRT_PROVIDER_OVN": host.systemID])

        // OVS down: the table says so and no binding key is sent; an existing map is left as it was.
        host.ovs.stopDatabase()
        #expect(try AgentProcess.eventually(seconds: 15) {
            let ovsdb = (try agent.json("/v1/interfaces")["sources"] as? [String: Any])?["ovsdb"] as? [String: Any]
            return ovsdb?["reachable"] as? Bool == false
        })
        let down = try host.afterGetCaps(#"{"openstack_binding_host_ids":{"VENDOR_X":"keep-me"}}"#)
        #expect(down.status == 0)
        #expect(down.caps["openstack_binding_host_ids"] as? [String: String] == ["VENDOR_X": "keep-me"])
        #expect(down.caps["fabric_host_interfaces"] != nil)
        try host.ovs.startDatabase()

        // The agent stopped: an instant snapshot, and the table says why.
        #expect(agent.stop() == 0)
        let fallback = try host.afterGetCaps("{}")
        #expect(fallback.status == 0)
        let snapshot = try #require(fallback.caps["fabric_host_interfaces"] as? [String: Any])
        #expect(snapshot["intervalSeconds"] == nil)
        #expect(Self.agentSource(snapshot)?["answered"] as? Bool == false)
        #expect((Self.agentSource(snapshot)?["error"] as? String)?.contains("not running") == true)
        #expect(fallback.stderr.contains("instant snapshot") && fallback.stderr.filter { $0 == "\n" }.count == 1)
        // As vdsm the hook cannot read openvswitch:hugetlbfs's database: without the helper, no binding key.
        #expect(((snapshot["sources"] as? [String: Any])?["ovsdb"] as? [String: Any])?["reachable"] as? Bool == false)
        #expect(fallback.caps["openstack_binding_host_ids"] == nil)

        // With the sudoers drop-in vdsm has on a host, fabric-wire host-ids reads them for the hook.
        let helper = try #require(BuiltProducts.path("fabric-wire"))
        let sudoers = try SudoersDropIn(user: "vdsm")
        defer { sudoers.remove() }
        let helped = try host.afterGetCaps(#"{"openstack_binding_host_ids":{"VENDOR_X":"keep-me"}}"#, helper: helper)
        #expect(helped.status == 0)
        let helpedIDs = try #require(helped.caps["openstack_binding_host_ids"] as? [String: String])
        #expect(helpedIDs == [
            "OPEN_VSWITCH": "odl-host-7", "OPENSTACK_OVN": "odl-host-7", "OVIRT_PROVIDER_OVN": host.systemID,
            "VENDOR_X": "keep-me",
        ])
        // OVS down: the helper cannot read it either, and no key is added.
        host.ovs.stopDatabase()
        let helpedDown = try host.afterGetCaps("{}", helper: helper)
        #expect(helpedDown.status == 0 && helpedDown.caps["openstack_binding_host_ids"] == nil)
    }

    /// A user outside the socket's group is refused by the kernel, and the table names the cause.
    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func aUserOutsideTheSocketGroupGetsTheSnapshotWithTheReason() throws {
        let host = try ELHost()
        let agent = try host.startAgent()
        defer { agent.stop() }
        let caps = try host.afterGetCaps("{}", user: "nobody", group: "nogroup")
        let table = try #require(caps.caps["fabric_host_interfaces"] as? [String: Any])
        #expect(Self.agentSource(table)?["answered"] as? Bool == false)
        #expect((Self.agentSource(table)?["error"] as? String)?.contains("is not open to this user") == true)
    }

    // MARK: before-hooks on what ovirt-provider-ovn's hook wrote

    /// `10_ovirt_provider_ovn_hook` sits in the same folder and runs first: its output (source br-int, the
    /// virtualports replaced by one, no target) comes out with exactly one virtualport and fabric's tap name.
    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func beforeDeviceCreateAsVDSMOnProviderOVNOutput() throws {
        let rewritten = Array(
            """
            <?xml version='1.0' encoding='utf-8'?>
            <interface type="bridge"><mac address="56:6f:1a:2b:00:07" /><model type="virtio" /><source bridge="br-int" /><mtu size="1442" /><alias name="ua-5e0d1c2a" /><virtualport type="openvswitch"><parameters interfaceid="\(Self.portID)" /></virtualport></interface>
            """.utf8)
        let properties = [
            "provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": Self.portID,
            "vmId": "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f",
        ]
        let hook = HookProcess(executable: try #require(BuiltProducts.path("before_device_create")), point: "before_device_create")
        let first = try hook.run(data: rewritten, environment: properties, owner: "vdsm", group: "kvm")
        #expect(first.status == 0, "\(first.stderr)")
        let text = String(decoding: first.output, as: UTF8.self)
        #expect(text.components(separatedBy: "<virtualport").count == 2, "exactly one virtualport: \(text)")
        #expect(text.contains("<target dev=\"tap8f14e45f-ce\" />"))
        #expect(text.contains("interfaceid=\"\(Self.portID)\""))
        #expect(text.contains("<alias name=\"ua-5e0d1c2a\" />") && text.contains("<mtu size=\"1442\" />"))
        let second = try hook.run(data: first.output, environment: properties, owner: "vdsm", group: "kvm")
        #expect(second.status == 0 && second.output == first.output, "a second run changes nothing")
    }

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func beforeVMStartAndAfterUpdateDeviceRunAsVDSM() throws {
        let domain = Array(
            """
            <?xml version='1.0' encoding='utf-8'?>
            <domain xmlns:ovirt-vm="http://ovirt.org/vm/1.0" type="kvm"><name>vm1</name><metadata><ovirt-vm:vm><ovirt-vm:device mac_address="56:6F:1A:2B:00:07"><ovirt-vm:custom><ovirt-vm:vnic_id>\(Self.portID)</ovirt-vm:vnic_id><ovirt-vm:provider_type>EXTERNAL_NETWORK</ovirt-vm:provider_type><ovirt-vm:plugin_type>OVIRT_PROVIDER_OVN</ovirt-vm:plugin_type></ovirt-vm:custom></ovirt-vm:device></ovirt-vm:vm></metadata><devices><interface type="bridge"><mac address="56:6f:1a:2b:00:07" /><source bridge="br-int" /><virtualport type="openvswitch"><parameters interfaceid="\(Self.portID)" /></virtualport></interface></devices></domain>
            """.utf8)
        let start = HookProcess(executable: try #require(BuiltProducts.path("before_vm_start")), point: "before_vm_start")
        let started = try start.run(data: domain, environment: ["vmId": "vm1"], owner: "vdsm", group: "kvm")
        #expect(started.status == 0, "\(started.stderr)")
        let text = String(decoding: started.output, as: UTF8.self)
        #expect(text.components(separatedBy: "<virtualport").count == 2 && text.contains("tap8f14e45f-ce"))

        // A device of another provider: after_update_device leaves it alone, silently, as vdsm.
        let update = HookProcess(executable: try #require(BuiltProducts.path("after_update_device")), point: "after_update_device")
        let interface = Array(#"<interface type="bridge"><source bridge="ovirtmgmt" /></interface>"#.utf8)
        let updated = try update.run(
            data: interface, environment: ["vmId": "vm1", "provider_type": "EXTERNAL_NETWORK", "plugin_type": "VENDOR_X"],
            owner: "vdsm", group: "kvm")
        #expect(updated.status == 0 && updated.stderr.isEmpty && updated.output == interface)
    }

    /// The launcher follows the unit as systemd reads it: lists accumulate, an empty value clears, systemd's
    /// capability names become setpriv's.
    @Test func unitPrivilegesBecomeTheSetprivCommand() throws {
        let path = NSTemporaryDirectory() + "unit-\(UUID().uuidString).service"
        let text = [
            "[Unit]", "User=ignored", "[Service]", "User=fabric", "Group=fabric", "SupplementaryGroups=kvm",
            "SupplementaryGroups=hugetlbfs neutron", "CapabilityBoundingSet=CAP_NET_ADMIN",
            "AmbientCapabilities=CAP_NET_ADMIN", "NoNewPrivileges=yes", "UMask=0077",
        ].joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let unit = try UnitPrivileges(unitFile: path)
        #expect(unit.command(running: ["/bin/true"]) == [
            "/usr/bin/setpriv", "--reuid=fabric", "--regid=fabric", "--groups=kvm,hugetlbfs,neutron",
            "--bounding-set=-all,+net_admin", "--inh-caps=-all,+net_admin", "--ambient-caps=+net_admin", "--no-new-privs",
            "/bin/sh", "-c", "umask 0077 && exec \"$0\" \"$@\"", "/bin/true",
        ])
        let shipped = try UnitPrivileges(unitFile: Self.unitPath)
        #expect(shipped.user == "fabric" && shipped.capabilityBoundingSet == [] && shipped.noNewPrivileges)
    }

    static func row(_ name: String, in table: [String: Any]) -> [String: Any]? {
        (table["interfaces"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    static func agentSource(_ table: [String: Any]) -> [String: Any]? {
        (table["sources"] as? [String: Any])?["agent"] as? [String: Any]
    }
}

/// One EL oVirt host: a namespace with a veth pair whose end `ovsp0` is a port of `br-int` in an Open vSwitch
/// database run as `openvswitch:hugetlbfs`, ovn-controller registered in a southbound database, a Neutron
/// agent file `root:neutron` 0640, and the folders the agent (user `fabric`) runs in.
final class ELHost {
    let namespace: NetworkNamespaceFixture
    let ovs: OVSSandbox
    let directory: String
    let systemID = UUID().uuidString.lowercased()
    let hostname = "host-\(UInt16.random(in: 0...UInt16.max)).example"
    let southbound: String
    var socket: String { directory + "/run/agent.sock" }

    init() throws {
        namespace = try NetworkNamespaceFixture(prefix: "fab-el")
        ovs = try OVSSandbox(startSwitch: false, owner: "openvswitch:hugetlbfs")
        southbound = try ovs.startOVNController(systemID: systemID, hostname: hostname)
        try namespace.ip("link", "add", "ovsp0", "type", "veth", "peer", "name", "ovsp1")
        try namespace.ip("link", "set", "ovsp0", "up")
        try namespace.ip("link", "set", "ovsp1", "up")
        try ovs.vsctl("--may-exist", "add-br", "br-int")  // ovn-controller may have made it
        try ovs.vsctl(
            "add-port", "br-int", "ovsp0", "--", "set", "Interface", "ovsp0",
            "external_ids:iface-id=\(OVirtHostLayoutTests.portID)")

        directory = AgentProcess.temporaryDirectory()
        let neutron = directory + "/etc/neutron"
        try FileManager.default.createDirectory(atPath: neutron, withIntermediateDirectories: true)
        try "[ovs]\nbridge_mappings = physnet1:br-phys\n".write(toFile: neutron + "/openvswitch_agent.ini", atomically: true, encoding: .utf8)
        try Self.own("root:neutron", "0750", neutron)
        try Self.own("root:neutron", "0640", neutron + "/openvswitch_agent.ini")
        // What RuntimeDirectory= makes of /run/fabric for User=fabric: fabric's, 0755.
        try FileManager.default.createDirectory(atPath: directory + "/run", withIntermediateDirectories: true)
        try Self.own("fabric:fabric", "0755", directory + "/run")
        try """
            listen = unix:\(socket)
            ovsdb = \(ovs.remote)
            sample-interval = 0.5
            neutron-ovs-agent-config = \(neutron)/openvswitch_agent.ini
            neutron-linuxbridge-agent-config = \(directory)/etc/neutron/linuxbridge_agent.ini

            """.write(toFile: directory + "/agent.conf", atomically: true, encoding: .utf8)
        try Self.own("root:root", "0644", directory + "/agent.conf")
    }

    deinit {
        ovs.stop()
        namespace.delete()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The agent as the unit runs it: its User=, Group=, SupplementaryGroups=, capability sets, NoNewPrivileges=
    /// and UMask=, read from systemd/fabric-agent.service.
    func startAgent() throws -> AgentProcess {
        let unit = try UnitPrivileges(unitFile: OVirtHostLayoutTests.unitPath)
        try Self.own("\(unit.user ?? "root"):\(unit.group ?? "root")", "0755", directory + "/run")
        return try AgentProcess(
            namespace: namespace.name, arguments: ["--config", directory + "/agent.conf"],
            directory: directory + "/run", launcher: unit.command(running:))
    }

    /// Runs the built after_get_caps as VDSM does: as `vdsm` (group `kvm`, with its supplementary groups), the
    /// capabilities in a 0600 file of vdsm's named by `_hook_json`, inside this host's namespace; hooks.conf names
    /// this host's agent socket and database, and `helper` is installed as fabric-wire (else there is none).
    func afterGetCaps(_ content: String, user: String = "vdsm", group: String = "kvm", helper: String? = nil) throws
        -> (status: Int32, caps: [String: Any], stderr: String)
    {
        let folder = directory + "/hooks-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder + "/after_get_caps", withIntermediateDirectories: true)
        let hook = folder + "/after_get_caps/50_fabric"
        try FileManager.default.copyItem(atPath: BuiltProducts.path("after_get_caps")!, toPath: hook)
        let caps = folder + "/caps.json"
        try content.write(toFile: caps, atomically: true, encoding: .utf8)
        try Self.own("\(user):\(group)", "0600", caps)
        try Self.own("\(user):\(group)", "0755", folder)
        let settings = try HookSettingsOverlay(
            settings: "agent_socket = \(socket)\novsdb = unix:\(ovs.directory)/db.sock\n", helper: helper)
        let command = settings.commandPrefix + [
            "/usr/sbin/ip", "netns", "exec", namespace.name, "/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(group)",
            "--init-groups", "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin", "_hook_json=\(caps)", hook,
        ]
        let result = try withExtendedLifetime(settings) { try ProcessRunner.run(command[0], Array(command.dropFirst())) }
        let text = try String(contentsOfFile: caps, encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        return (result.status, object, result.standardError)
    }

    /// The chassis names in the southbound database.
    func registeredChassis() throws -> [String] {
        try OVSSandbox.run("/usr/bin/ovn-sbctl", ["--db=" + southbound, "--bare", "--columns=name", "list", "Chassis"])
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    static func own(_ owner: String, _ mode: String, _ path: String) throws {
        try OVSSandbox.run("/bin/chown", [owner, path])
        try OVSSandbox.run("/bin/chmod", [mode, path])
    }
}
