// SPDX-License-Identifier: Apache-2.0
import DomainXML
public import VDSMHook

/// `before_device_create` / `before_nic_hotplug`: one device element in, the wired element out.
public enum DeviceTransform {
    /// Returns the new XML, or nil when the file must stay as it is: the vNIC is not ours (decided from the
    /// properties alone, before the XML is even parsed, so foreign input stays byte-identical even if it is
    /// empty), the element is not an `<interface>` (nothing to wire), or it is already wired.
    public static func transform(
        _ input: [UInt8],
        property: (String) -> String?,
        settings: () throws(WiringError) -> HookSettings
    ) throws -> [UInt8]? {
        guard let wiring = try ProviderRules.wiring(property: property, settings: settings) else {
            return nil
        }
        guard !input.isEmpty else {
            throw WiringError("the device XML for vnic_id \(wiring.port) is empty; nothing to wire")
        }
        let document = try DomainDocument(parsing: input)
        let wired = document.withRoot { root -> Bool in
            guard root.isNamed("interface") else { return false }
            InterfaceRewriter.apply(wiring, to: root)
            return true
        }
        guard wired, document.hasChanges else { return nil }
        return try document.serialized()
    }
}
