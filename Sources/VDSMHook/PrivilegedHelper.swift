// SPDX-License-Identifier: Apache-2.0

/// Where the hooks' privileged helper is, and how they reach it: `sudo -n`, allowed for user `vdsm` by
/// `/etc/sudoers.d/50_vdsm_hook_fabric` for this one executable. The path is fixed: nothing a custom property
/// can set (the hook's environment) chooses what runs as root.
public enum PrivilegedHelper {
    /// Where `make install` and the RPM put the helper; the sudoers drop-in names this path.
    public static let path = "/usr/libexec/fabric/fabric-wire"
    public static let sudoPath = "/usr/bin/sudo"

    /// `sudo -n HELPER` followed by `arguments`.
    public static func command(_ arguments: [String]) -> [String] {
        [sudoPath, "-n", path] + arguments
    }
}
