// SPDX-License-Identifier: Apache-2.0
import DomainXML
public import VDSMHook

/// `before_vm_start`: the whole `<domain>` in, every provider vNIC wired.
///
/// `before_vm_start` gets no device properties in its environment, so they are read from `<metadata>`:
/// `<ovirt-vm:vm><ovirt-vm:device mac_address=…><ovirt-vm:custom>` children (namespace matched by URI, local
/// name = key, text = value). As VDSM does for device hooks, VM-level properties
/// (`<ovirt-vm:vm><ovirt-vm:custom>`) override device properties of the same name, so both hooks decide alike.
/// A `<devices><interface>` is wired when its `<mac address>` equals a device's `mac_address`, compared
/// case-insensitively; every other element is untouched.
///
/// A metadata device without a matching `<interface>` (an unplugged vNIC, or a device that is not a NIC) is not
/// an error and is not validated: there is nothing to hand to libvirt. A matching one that cannot be wired
/// (missing or non-UUID vnic_id, unknown plugin) fails the start, naming the MAC.
public enum DomainTransform {
    public static func transform(
        _ input: [UInt8],
        settings: () throws(WiringError) -> HookSettings
    ) throws -> [UInt8]? {
        var notes: [String] = []
        return try transform(input, settings: settings, notes: &notes)
    }

    /// As ``transform(_:settings:)``, and `notes` gets one line per vNIC left alone on purpose
    /// (``ProviderRules/ignoredNote(property:)``), naming its MAC.
    public static func transform(
        _ input: [UInt8],
        settings: () throws(WiringError) -> HookSettings,
        notes: inout [String]
    ) throws -> [UInt8]? {
        guard !input.isEmpty else { throw WiringError("the domain XML is empty") }
        let document = try DomainDocument(parsing: input)
        try document.withRoot { (root) throws in
            guard root.isNamed("domain") else {
                throw WiringError("expected a <domain> document, got <\(root.name)>")
            }
            let properties = metadataProperties(of: root)
            guard !properties.isEmpty else { return }
            var cached: HookSettings?
            func lazySettings() throws(WiringError) -> HookSettings {
                if let cached { return cached }
                let loaded = try settings()
                cached = loaded
                return loaded
            }
            try root.withFirstChild(named: "devices") { devices in
                try devices.forEachChild(named: "interface") { interface in
                    guard let mac = interface.withFirstChild(named: "mac", { $0.attribute("address") }) ?? nil,
                        let device = properties[mac.lowercased()]
                    else { return }
                    let wiring: VNICWiring?
                    do {
                        wiring = try ProviderRules.wiring(property: { device[$0] }, settings: lazySettings)
                    } catch {
                        throw WiringError("vNIC \(mac): \(error)")
                    }
                    if let wiring {
                        InterfaceRewriter.apply(wiring, to: interface)
                    } else if let note = ProviderRules.ignoredNote(property: { device[$0] }) {
                        notes.append("vNIC \(mac): \(note)")
                    }
                }
            }
        }
        return document.hasChanges ? try document.serialized() : nil
    }

    /// Lower-cased MAC → the device's custom properties with VM-level ones applied on top.
    static func metadataProperties(of domain: borrowing Element) -> [String: [String: String]] {
        let uri = XMLNamespace.ovirtVM
        var result: [String: [String: String]] = [:]
        domain.forEachChild(named: "metadata") { metadata in
            metadata.forEachChild(named: "vm", namespace: uri) { vm in
                var vmLevel: [String: String] = [:]
                vm.forEachChild(named: "custom", namespace: uri) { custom in
                    custom.forEachChildElement { if $0.namespaceURI == uri { vmLevel[$0.name] = $0.text } }
                }
                vm.forEachChild(named: "device", namespace: uri) { device in
                    guard let mac = device.attribute("mac_address")?.lowercased(), result[mac] == nil else { return }
                    var properties: [String: String] = [:]
                    device.forEachChild(named: "custom", namespace: uri) { custom in
                        custom.forEachChildElement { if $0.namespaceURI == uri { properties[$0.name] = $0.text } }
                    }
                    if properties.isEmpty { return }
                    properties.merge(vmLevel) { _, vmValue in vmValue }
                    result[mac] = properties
                }
            }
        }
        return result
    }
}
