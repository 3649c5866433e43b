// SPDX-License-Identifier: Apache-2.0
// fabric-wire: the narrow privileged helper VDSM's after-hooks run through `sudo -n` (they run as `vdsm`).
// It takes one strictly validated change (see HostChange+Arguments.swift), checks that its bridge is the
// provider's (ProviderBridge), applies it through netlink and the OVSDB protocol, and exits 0 (done or already in
// place), 1 (the change failed, or /etc/fabric/hooks.conf cannot be used), 64 (arguments rejected) or 77 (not a
// provider bridge); nothing is touched on 64 or 77. One line on stderr on failure. Its settings come only from
// /etc/fabric/hooks.conf (HookSettings): sudo's caller chooses the arguments, never the settings.
// `fabric-wire host-ids` changes nothing: it prints the Open_vSwitch external_ids that name this host to
// providers, as a JSON object, for after_get_caps when its user cannot read the database (exit 1 if OVS cannot).
import FabricJSON
import FabricOVSDB
import FabricPOSIX
import HostWiring
import WiringRules
import VDSMHook

func fail(_ error: WireError) -> Never {
    StandardError.writeLine("fabric-wire: \(error.message)")
    HostSystem.exit(error.exitCode)
}

func settings() -> HookSettings {
    do {
        return try HookSettings.load()
    } catch {
        fail(.failed(error.message))
    }
}

if CommandLine.arguments.dropFirst().elementsEqual([BindingHostIDs.helperVerb]) {
    do {
        let ids = try BindingHostIDs.read(endpoint: settings().ovsdb, timeout: .seconds(1))
        let object = JSONValue.object(ids.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, .string($0.value)) })
        StandardOutput.write(String(decoding: object.serializedBytes(), as: UTF8.self) + "\n")
        HostSystem.exit(0)
    } catch {
        fail(.failed("cannot read the Open vSwitch database: \(error)"))
    }
}

do {
    let change = try HostChange(wireArguments: Array(CommandLine.arguments.dropFirst()))
    try HostChangeExecutor.apply(change, settings: settings())
    HostSystem.exit(0)
} catch {
    fail(error)
}
