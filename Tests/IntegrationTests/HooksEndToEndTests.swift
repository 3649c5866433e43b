// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// The built hooks against a real libvirtd (QEMU/TCG guests) and a real Open vSwitch (a private sandbox the
/// system's `/run/openvswitch/db.sock` points at while a test runs, because libvirt calls `ovs-vsctl` without
/// `--db`). Prepared by `scripts/libvirt-setup.sh` and `scripts/vmhost/build.sh`.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: HooksEndToEnd.unavailableReason == nil, "\(HooksEndToEnd.unavailableReason ?? "")")
)
struct HooksEndToEndTests {
    let vmID = "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f"

    /// A switch with a netdev integration bridge, reachable both through the sandbox socket and the system path.
    final class Switch {
        let sandbox: OVSSandbox
        let link: SystemOVSDBSocketLink
        let bridge = OVSSandbox.uniqueName("bint")

        init() throws {
            sandbox = try OVSSandbox()
            do {
                try sandbox.vsctl(["add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev"], wait: true)
                // libvirt reads the bridge's MTU from the kernel; the netdev bridge's tun device may lag the commit.
                let deadline = Date().addingTimeInterval(10)
                while !FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)"), Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                link = try SystemOVSDBSocketLink(pointingAt: sandbox.socketPath)
            } catch {
                sandbox.stop()
                throw error
            }
        }

        deinit {
            link.restore()
            sandbox.stop()
        }

        func interface(named name: String) throws -> SwitchState.Interface? {
            var client = try OVSDBClient(endpoint: OVSDBEndpoint(socketPath: sandbox.socketPath))
            let state = try client.switchState()
            let port = state.bridges.first { $0.name == bridge }?.ports.first { $0.name == name }
            return port?.interfaces.first { $0.name == name }
        }

        /// hooks.conf naming this switch's bridge and database, plus `linuxBridges`.
        func settings(linuxBridges: [String] = []) throws -> HookSettingsOverlay {
            try HookSettingsOverlay(settings: """
                integration_bridge = \(bridge)
                ovsdb = unix:\(sandbox.socketPath)
                linux_bridges = \(linuxBridges.joined(separator: ", "))

                """)
        }
    }

    static func newPort() -> (id: String, tap: String, mac: String) {
        let id = UUID().uuidString.lowercased()
        let bytes = (0..<3).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }
        return (id, "tap" + id.prefix(11), "52:54:00:" + bytes.joined(separator: ":"))
    }

    static func engineInterface(mac: String, declaration: Bool = false, pretty: Bool = true) -> [UInt8] {
        let head = declaration ? "<?xml version='1.0' encoding='utf-8'?>" + (pretty ? "\n" : "") : ""
        let body =
            pretty
            ? """
            <interface type="bridge">
                <model type="virtio" />
                <source bridge=";vdsmdummy;" />
                <mac address="\(mac)" />
            </interface>
            """
            : #"<interface type="bridge"><model type="virtio" /><source bridge=";vdsmdummy;" /><mac address="\#(mac)" /></interface>"#
        return Array((head + body).utf8)
    }

    func hook(
        _ product: String, point: String, data: [UInt8], environment: [String: String], settings: HookSettingsOverlay? = nil
    ) throws -> HookProcess.Result {
        let executable = try #require(BuiltProducts.path(product))
        let result = try HookProcess(executable: executable, point: point).run(data: data, environment: environment, settings: settings)
        #expect(result.status == 0, "\(point): \(result.stderr)")
        return result
    }

    func masterName(of link: String) throws -> String? {
        let netlink = try NetlinkSocket()
        let links = try netlink.snapshot().links
        guard let master = links.first(where: { $0.name == link })?.masterIndex else { return nil }
        return links.first { $0.index == master }?.name
    }

    func linuxBridge(_ name: String) throws -> () -> Void {
        try ProcessRunner.checkedOutput("ip", ["link", "add", name, "type", "bridge"])
        try ProcessRunner.checkedOutput("ip", ["link", "set", name, "up"])
        return { _ = try? ProcessRunner.run("ip", ["link", "del", name]) }
    }

    func expectWired(_ interface: SwitchState.Interface?, id: String, mac: String, vmID: String) {
        #expect(interface?.externalIDs["iface-id"] == id)
        #expect(interface?.externalIDs["attached-mac"] == mac)
        #expect(interface?.externalIDs["iface-status"] == "active")
        #expect(interface?.externalIDs["vm-id"] == vmID)
    }

    /// a + b: a vNIC wired by before_device_create starts on br-int; a second one wired by before_nic_hotplug
    /// (single-line input with declaration) is hot-plugged onto it.
    @Test func openVSwitchStartAndHotplug() throws {
        let ovs = try Switch()
        let first = Self.newPort()
        let properties = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vmId": vmID]
        let settings = try ovs.settings()
        let wired = try hook(
            "before_device_create", point: "before_device_create", data: Self.engineInterface(mac: first.mac, declaration: true),
            environment: properties.merging(["vnic_id": first.id]) { $1 }, settings: settings)
        let guest = try LibvirtGuest(interfaces: [String(decoding: wired.output, as: UTF8.self).droppingDeclaration])
        defer { guest.destroy() }
        let bridge = try #require(try ovs.sandbox.vsctl("get", "bridge", ovs.bridge, "datapath_type").split(separator: "\n").first)
        #expect(bridge == "netdev")
        expectWired(try ovs.interface(named: first.tap), id: first.id, mac: first.mac, vmID: guest.uuid)

        let second = Self.newPort()
        let plugged = try hook(
            "before_device_create", point: "before_nic_hotplug",
            data: Self.engineInterface(mac: second.mac, declaration: true, pretty: false),
            environment: properties.merging(["vnic_id": second.id]) { $1 }, settings: settings)
        try guest.attach(String(decoding: plugged.output, as: UTF8.self).droppingDeclaration)
        expectWired(try ovs.interface(named: second.tap), id: second.id, mac: second.mac, vmID: guest.uuid)
    }

    /// c: a Linux-bridge vNIC naming a network lands on `brq` + network_id[:11]; one without lands on VDSM's
    /// `;vdsmdummy;` and after_device_create releases it from there.
    @Test func linuxBridgeStartAndPlaceholderDetach() throws {
        let network = UUID().uuidString.lowercased()
        let brq = "brq" + network.prefix(11)
        let removeBrq = try linuxBridge(brq)
        defer { removeBrq() }
        let dummy = ";vdsmdummy;"
        // VDSM creates this bridge on a real host; here the test does, unless it is already there.
        let removeDummy = FileManager.default.fileExists(atPath: "/sys/class/net/\(dummy)") ? {} : try linuxBridge(dummy)
        defer { removeDummy() }

        let named = Self.newPort()
        let placeholder = Self.newPort()
        let lb = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vmId": vmID]
        let onBrq = try hook(
            "before_device_create", point: "before_device_create", data: Self.engineInterface(mac: named.mac),
            environment: lb.merging(["vnic_id": named.id, "network_id": network]) { $1 })
        let onDummy = try hook(
            "before_device_create", point: "before_device_create", data: Self.engineInterface(mac: placeholder.mac),
            environment: lb.merging(["vnic_id": placeholder.id]) { $1 })
        #expect(String(decoding: onDummy.output, as: UTF8.self).contains(#"<source bridge=";vdsmdummy;" />"#))
        let guest = try LibvirtGuest(interfaces: [onBrq, onDummy].map { String(decoding: $0.output, as: UTF8.self) })
        defer { guest.destroy() }
        #expect(try masterName(of: named.tap) == brq)
        #expect(try masterName(of: placeholder.tap) == dummy)

        // VDSM gives after_device_create an empty file on a normal start.
        _ = try hook(
            "after_update_device", point: "after_device_create", data: [],
            environment: lb.merging(["vnic_id": named.id, "network_id": network]) { $1 })
        _ = try hook(
            "after_update_device", point: "after_device_create", data: [],
            environment: lb.merging(["vnic_id": placeholder.id]) { $1 })
        #expect(try masterName(of: placeholder.tap) == nil)
        #expect(try masterName(of: named.tap) == brq)
    }

    /// d: after_update_device moves a running guest's vNIC: from one Linux bridge to another, then from the Linux
    /// bridge onto the OVS integration bridge with libvirt's external_ids; a repeat changes nothing.
    @Test func afterUpdateDeviceRewiresARunningGuest() throws {
        let ovs = try Switch()
        let first = OVSSandbox.uniqueName("fbra")
        let second = OVSSandbox.uniqueName("fbrb")
        let removeFirst = try linuxBridge(first)
        defer { removeFirst() }
        let removeSecond = try linuxBridge(second)
        defer { removeSecond() }
        // A bridge_name that is not Neutron's brq… must be one of linux_bridges (ProviderBridge).
        let settings = try ovs.settings(linuxBridges: [second])
        let port = Self.newPort()
        let plain = """
            <interface type="bridge"><mac address="\(port.mac)"/><model type="virtio"/><source bridge="\(first)"/>\
            <target dev="\(port.tap)"/></interface>
            """
        let guest = try LibvirtGuest(interfaces: [plain])
        defer { guest.destroy() }
        #expect(try masterName(of: port.tap) == first)

        // What VDSM regenerates for before/after_update_device: no <target>, no <virtualport>.
        let regenerated = Self.engineInterface(mac: port.mac, declaration: true)
        let lb = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "LINUX_BRIDGE", "vnic_id": port.id, "vmId": guest.uuid, "bridge_name": second]
        let moved = try hook("after_update_device", point: "after_update_device", data: regenerated, environment: lb, settings: settings)
        #expect(moved.output == regenerated)
        #expect(try masterName(of: port.tap) == second)

        let ovsProperties = ["provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": port.id, "vmId": guest.uuid]
        _ = try hook("after_update_device", point: "after_update_device", data: regenerated, environment: ovsProperties, settings: settings)
        #expect(try masterName(of: port.tap) == nil)
        let plugged = try #require(try ovs.interface(named: port.tap))
        expectWired(plugged, id: port.id, mac: port.mac, vmID: guest.uuid)
        try ovs.sandbox.waitForSwitch()
        #expect(try ovs.interface(named: port.tap)?.ofport ?? -1 > 0)

        _ = try hook("after_update_device", point: "after_update_device", data: regenerated, environment: ovsProperties, settings: settings)
        #expect(try ovs.interface(named: port.tap)?.uuid == plugged.uuid)
    }
}

enum HooksEndToEnd {
    static let unavailableReason: String? = {
        if let reason = LibvirtGuest.unavailableReason { return reason }
        if let reason = OVSSandbox.unavailableReason { return reason }
        for product in ["before_device_create", "after_update_device"] where BuiltProducts.path(product) == nil {
            return "\(product) not built (swift build)"
        }
        return nil
    }()
}

extension String {
    /// libvirt's device commands take one element; the hooks keep the engine's XML declaration.
    var droppingDeclaration: String {
        guard hasPrefix("<?xml"), let end = range(of: "?>") else { return self }
        return String(self[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
