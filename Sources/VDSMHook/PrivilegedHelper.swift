// SPDX-License-Identifier: Apache-2.0

/// Where the hooks' privileged helper is, and how they reach it: `sudo -n`, allowed for user `vdsm` by
/// `/etc/sudoers.d/50_vdsm_hook_fabric` for this one executable.
public enum PrivilegedHelper {
    /// Where `make install` puts the helper; the sudoers drop-in names this path.
    public static let defaultPath = "/usr/libexec/fabric/fabric-wire"
    /// Overrides the helper's path (tests run the built one; sudoers must allow it too).
    public static let pathVariable = "FABRIC_WIRE_PATH"
    public static let sudoPath = "/usr/bin/sudo"

    /// `sudo -n HELPER` followed by `arguments`.
    public static func command(_ arguments: [String], environment: [String: String]) -> [String] {
        let helper = environment[pathVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPath
        return [sudoPath, "-n", helper] + arguments
    }
}
