// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The privilege settings of a systemd unit's `[Service]` section, read from the unit file itself, and the
/// `setpriv` command line that gives a process started as root the same identity: the test machines have no
/// systemd as PID 1, and a test built from the unit follows the unit when it changes.
///
/// Read as systemd reads them: later lines of a list setting add to it, an empty assignment clears it;
/// `CapabilityBoundingSet=` with no value is the empty set.
public struct UnitPrivileges: Sendable, Hashable {
    public var user: String?
    public var group: String?
    public var supplementaryGroups: [String] = []
    /// `nil`: not set (every capability); `[]`: none.
    public var capabilityBoundingSet: [String]?
    public var ambientCapabilities: [String] = []
    public var noNewPrivileges = false
    public var umask: String?

    public init(unitFile path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var section = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") { section = line; continue }
            guard section == "[Service]", let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let words = value.split(separator: " ").map(String.init)
            switch key {
            case "User": user = value
            case "Group": group = value
            case "SupplementaryGroups": supplementaryGroups = value.isEmpty ? [] : supplementaryGroups + words
            case "CapabilityBoundingSet": capabilityBoundingSet = value.isEmpty ? [] : (capabilityBoundingSet ?? []) + words
            case "AmbientCapabilities": ambientCapabilities = value.isEmpty ? [] : ambientCapabilities + words
            case "NoNewPrivileges": noNewPrivileges = ["yes", "true", "1", "on"].contains(value)
            case "UMask": umask = value
            default: break
            }
        }
    }

    /// `setpriv …` followed by `command`: user, group and supplementary groups as the unit names them, the
    /// bounding, inheritable and ambient capability sets, no-new-privileges, and the umask.
    public func command(running command: [String]) -> [String] {
        var result = ["/usr/bin/setpriv"]
        if let user { result.append("--reuid=\(user)") }
        if let group { result.append("--regid=\(group)") }
        if user != nil || group != nil {
            result.append(supplementaryGroups.isEmpty ? "--clear-groups" : "--groups=" + supplementaryGroups.joined(separator: ","))
        }
        // systemd writes CAP_NET_ADMIN, setpriv wants +net_admin.
        let capabilities = { (names: [String]) in
            names.map { "+" + $0.lowercased().replacingOccurrences(of: "cap_", with: "") }.joined(separator: ",")
        }
        if let bounding = capabilityBoundingSet {
            result.append("--bounding-set=-all" + (bounding.isEmpty ? "" : "," + capabilities(bounding)))
        }
        result.append("--inh-caps=-all" + (ambientCapabilities.isEmpty ? "" : "," + capabilities(ambientCapabilities)))
        if !ambientCapabilities.isEmpty { result.append("--ambient-caps=" + capabilities(ambientCapabilities)) }
        if noNewPrivileges { result.append("--no-new-privs") }
        if let umask {
            result += ["/bin/sh", "-c", "umask \(umask) && exec \"$0\" \"$@\""]
        }
        return result + command
    }
}
