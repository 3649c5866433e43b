// SPDX-License-Identifier: Apache-2.0
import DomainXML
public import VDSMHook

/// The after-hook points fabric installs one binary at. VDSM runs a hook by its full path, and the file name
/// is the same in every folder, so the hook point is the name of the folder holding the executable.
public enum AfterHookPoint: String, CaseIterable, Hashable, Sendable {
    case afterUpdateDevice = "after_update_device"
    case afterDeviceCreate = "after_device_create"
    case afterNicHotplug = "after_nic_hotplug"
    case afterDeviceMigrateDestination = "after_device_migrate_destination"

    /// The point named by the parent folder of `executablePath`, else by its file name (a binary run straight
    /// from the build folder is called `after_update_device`); nil when neither is a known point.
    public init?(executablePath: String) {
        let parts = executablePath.split(separator: "/").map(String.init)
        if parts.count >= 2, let point = AfterHookPoint(rawValue: parts[parts.count - 2]) {
            self = point
        } else if let last = parts.last, let point = AfterHookPoint(rawValue: last) {
            self = point
        } else {
            return nil
        }
    }
}

/// Decides what an after-hook must change on the host for one vNIC. Pure: reads the properties and the XML,
/// touches nothing.
///
/// | point | OVS / OVN vNIC | Linux-bridge vNIC, bridge known | Linux-bridge vNIC on `;vdsmdummy;` |
/// |---|---|---|---|
/// | `after_update_device` | plug the tap into the integration bridge with libvirt's `external_ids` | enslave the tap to the bridge | detach from the placeholder |
/// | `after_device_create`, `after_nic_hotplug`, `after_device_migrate_destination` | nothing (libvirt's virtualport did it) | nothing (libvirt did it) | detach from the placeholder |
///
/// The tap is `<target dev>` when the XML has one (it must then be a fabric tap name), else `tap` + vnic_id[:11].
/// Only `after_update_device` reads the XML: VDSM may give the others an empty file.
public enum HostSidePlanner {
    /// - Returns: the change, or nil when the vNIC is not ours or nothing needs doing.
    /// - Throws: ``WiringError`` for a vNIC that is ours but cannot be wired (bad properties, missing XML).
    public static func change(
        at point: AfterHookPoint,
        input: [UInt8],
        property: (String) -> String?,
        settings: () throws(WiringError) -> HookSettings
    ) throws -> HostChange? {
        guard let wiring = try ProviderRules.wiring(property: property, settings: settings) else {
            return nil
        }
        guard point == .afterUpdateDevice else {
            if case .linuxBridge(ProviderRules.vdsmDummyBridge, let port) = wiring {
                return .detachFromPlaceholder(tap: port.tapName)
            }
            return nil
        }
        guard !input.isEmpty else {
            throw WiringError("after_update_device got no interface XML for vnic_id \(wiring.port)")
        }
        let document = try DomainDocument(parsing: input)
        let found = document.withRoot { root -> (isInterface: Bool, target: String?, mac: String?) in
            guard root.isNamed("interface") else { return (false, nil, nil) }
            let target = root.withFirstChild(named: "target") { $0.attribute("dev") } ?? nil
            let mac = root.withFirstChild(named: "mac") { $0.attribute("address") } ?? nil
            return (true, target, mac)
        }
        guard found.isInterface else { return nil }
        let tap = found.target ?? wiring.tapName
        guard HostNames.isTapName(tap) else {
            throw WiringError("<target dev=\"\(tap)\"> of vnic_id \(wiring.port) is not a fabric tap name")
        }
        switch wiring {
        case .openVSwitch(let bridge, let port):
            guard let mac = found.mac else { throw WiringError("the interface of vnic_id \(port) has no <mac address>") }
            guard let vm = property("vmId"), let vmID = PortID(vm) else {
                throw WiringError("vmId \"\(property("vmId") ?? "")\" is not a UUID")
            }
            return .plugOVS(try HostChange.OVSPlug(bridge: bridge, tap: tap, ifaceID: port, mac: mac, vmID: vmID))
        case .linuxBridge(let bridge, _):
            if bridge == ProviderRules.vdsmDummyBridge { return .detachFromPlaceholder(tap: tap) }
            guard HostNames.isBridgeName(bridge) else { throw WiringError("\"\(bridge)\" is not a usable bridge name") }
            return .enslave(tap: tap, bridge: bridge)
        }
    }
}
