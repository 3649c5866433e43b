// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: libvirt XML as VDSM hands it to the hooks, through the parser and every rewrite the hooks
// do. Oracles: nothing crashes; an output is well-formed, keeps its root, and rewriting it changes nothing.
import DomainXML
import HostWiring
import WiringRules
import FuzzSupport
import VDSMHook

/// Device custom properties as the engine sends them, one per wiring the hooks know. Each input runs under one
/// of them (``variant(of:among:)``), so the corpus covers them all without parsing every input six times.
let deviceProperties: [[String: String]] = {
    let vnic = "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f"
    let vm = "0c1f3e2d-4b5a-4968-8776-a5b4c3d2e1f0"
    let openstack = ["provider_type": "OPENSTACK_NETWORK", "vnic_id": vnic, "vmId": vm]
    return [
        openstack.merging(["plugin_type": "OPEN_VSWITCH"]),
        openstack.merging(["plugin_type": "OPENSTACK_OVN", "vnic_id": vnic.uppercased()]),
        ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": vnic, "vmId": vm],
        openstack.merging(["plugin_type": "LINUX_BRIDGE", "bridge_name": "brq-custom"]),
        openstack.merging(["plugin_type": "LINUX_BRIDGE", "network_id": vm]),
        openstack.merging(["plugin_type": "LINUX_BRIDGE"]),  // VDSM's ;vdsmdummy; placeholder
    ]
}()

/// The host's hooks.conf for every run: `brq-custom` is not Neutron's `brq` + 11 characters, so it is listed.
let settings = HookSettings(integrationBridge: "br-int", linuxBridges: ["brq-custom"])
func loadSettings() throws(WiringError) -> HookSettings { settings }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDomainXML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = inputBytes(data, size)
    guard let root = rootName(of: input) else { return 0 }
    checkRoundTrip(input, root: root)
    let properties = deviceProperties[variant(of: input, among: deviceProperties.count)]
    if root.name == "domain" { checkDomainTransform(input, root: root) }
    if root.name == "interface" { checkDeviceTransform(input, root: root, properties: properties) }
    planHostSide(input, properties: properties)
    return 0
}

/// The root's local name and namespace, or nil when the parser refuses the input (that is its job).
func rootName(of bytes: [UInt8]) -> (name: String, namespace: String?)? {
    guard let document = try? DomainDocument(parsing: bytes) else { return nil }
    return document.withRoot { ($0.name, $0.namespaceURI) }
}

/// An output of fabric must be input fabric accepts, with the root it had.
func checkWellFormed(_ output: [UInt8], root: (name: String, namespace: String?), _ what: String) {
    guard let again = rootName(of: output) else {
        fatalError("oracle: \(what) wrote XML its own parser refuses: \(String(decoding: output.prefix(300), as: UTF8.self))")
    }
    require(again == root, "\(what) changed the root from \(root) to \(again)")
}

/// Parsing and writing back without an edit (what a hook does when it has nothing to do but must answer).
func checkRoundTrip(_ input: [UInt8], root: (name: String, namespace: String?)) {
    guard let document = try? DomainDocument(parsing: input) else { return }
    require(!document.hasChanges, "parsing alone counted as an edit")
    guard let output = try? document.serialized() else { return }
    checkWellFormed(output, root: root, "an untouched round trip")
}

/// `before_vm_start`.
func checkDomainTransform(_ input: [UInt8], root: (name: String, namespace: String?)) {
    guard let output = try? DomainTransform.transform(input, settings: loadSettings) else { return }
    checkWellFormed(output, root: root, "DomainTransform")
    do {
        let again = try DomainTransform.transform(output, settings: loadSettings)
        require(again == nil, "DomainTransform is not idempotent: a second run changed its own output")
    } catch {
        fatalError("oracle: DomainTransform refused its own output: \(error)")
    }
}

/// `before_device_create` / `before_nic_hotplug`.
func checkDeviceTransform(_ input: [UInt8], root: (name: String, namespace: String?), properties: [String: String]) {
    let property = { (name: String) in properties[name] }
    guard let output = try? DeviceTransform.transform(input, property: property, settings: loadSettings)
    else { return }
    checkWellFormed(output, root: root, "DeviceTransform")
    do {
        let again = try DeviceTransform.transform(output, property: property, settings: loadSettings)
        require(again == nil, "DeviceTransform is not idempotent: a second run changed its own output")
    } catch {
        fatalError("oracle: DeviceTransform refused its own output: \(error)")
    }
}

/// The after-hooks: what they would ask `fabric-wire` to do must survive the trip through its arguments.
func planHostSide(_ input: [UInt8], properties: [String: String]) {
    for point in AfterHookPoint.allCases {
        guard
            let change = try? HostSidePlanner.change(
                at: point, input: input, property: { properties[$0] }, settings: loadSettings)
        else { continue }
        do {
            let parsed = try HostChange(wireArguments: change.wireArguments)
            require(parsed == change, "fabric-wire reads \(change.wireArguments) as \(parsed), not \(change)")
        } catch {
            fatalError("oracle: fabric-wire refuses what \(point.rawValue) planned: \(change.wireArguments): \(error)")
        }
    }
}

extension Dictionary {
    func merging(_ other: [Key: Value]) -> [Key: Value] { merging(other) { $1 } }
}
