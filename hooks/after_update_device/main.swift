// SPDX-License-Identifier: Apache-2.0
// VDSM after-hooks of fabric, one binary installed at four points (the hook point is the name of the folder
// holding the executable; VDSM passes the full path as argv[0]):
//   after_update_device: makes the host side of a provider vNIC match (OVS port with external_ids, or Linux
//     bridge membership), after libvirt's updateDeviceFlags succeeded;
//   after_device_create, after_nic_hotplug, after_device_migrate_destination: releases a Linux-bridge tap from
//     VDSM's `;vdsmdummy;` placeholder so the Neutron Linux-bridge agent can take it.
// The XML is only read, never written (VDSM ignores it). Every failure exits 1 (VDSM only logs it; the other
// after-hooks should still run), never 2, even without a data file; the work is bounded (OVSDB 5 s, the sudo
// helper 10 s).
import HostWiring
import WiringRules
import VDSMHook

Hook.run(stage: .after) { input, environment in
    guard let point = AfterHookPoint(executablePath: CommandLine.arguments.first ?? "") else {
        throw WiringError("cannot tell the hook point from the path \(CommandLine.arguments.first ?? "")")
    }
    var settings: HookSettings?
    let change = try HostSidePlanner.change(
        at: point, input: input, property: { environment[property: $0] },
        settings: { () throws(WiringError) in
            let loaded = try HookSettings.loadForWiring()
            settings = loaded
            return loaded
        }
    )
    if let change { try PrivilegedWire.apply(change, settings: settings ?? HookSettings.loadForWiring()) }
    return .unchanged
}
