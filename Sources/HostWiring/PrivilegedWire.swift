// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX
public import VDSMHook
public import WiringRules

/// How a hook gets a ``HostChange`` applied: in-process when it already runs as root (tests, manual runs), else
/// through `sudo -n fabric-wire …` — VDSM runs hooks as `vdsm`, which can neither write the root-only OVSDB
/// socket nor change links. The sudoers drop-in allows exactly that one executable, which reads the same
/// settings file itself.
public enum PrivilegedWire {
    /// Applies `change`, bounded by `timeout` in total.
    /// - Throws: ``WireError`` with the helper's own one-line message when it fails.
    public static func apply(_ change: HostChange, settings: HookSettings, timeout: Duration = .seconds(10)) throws(WireError) {
        if HostSystem.isRoot {
            try HostChangeExecutor.apply(change, settings: settings, timeout: .seconds(5))
            return
        }
        do {
            try BoundedCommand.run(PrivilegedHelper.command(change.wireArguments), timeout: timeout)
        } catch {
            throw .failed(error.message)
        }
    }
}
