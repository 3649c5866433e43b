// SPDX-License-Identifier: Apache-2.0
// VDSM hook for before_device_create and before_nic_hotplug (the same binary in both folders): wires one
// provider vNIC's <interface>. Device custom properties arrive as environment variables.
import WiringRules
import VDSMHook

Hook.run { input, environment in
    let output = try DeviceTransform.transform(
        input,
        property: { environment[property: $0] },
        settings: HookSettings.loadForWiring
    )
    if let output { return .replaced(output) }
    if let reason = ProviderRules.ignoredNote(property: { environment[property: $0] }) { return .leftAlone(reason: reason) }
    return .unchanged
}
