// SPDX-License-Identifier: Apache-2.0

/// One setting of the agent: a key spelled the same as a file key of /etc/fabric/agent.conf, a flag
/// (`--KEY`) and an environment variable (`FABRIC_` and the key in upper snake case).
public struct AgentSetting: Sendable, Hashable {
    /// The commands that take a setting: `serve` all of them, `show` those that say where the inventory reads.
    public enum Command: Sendable, Hashable {
        case serve
        case show
    }

    public let key: String
    /// The placeholder in `--help`, such as `SECONDS`.
    public let valueName: String
    /// The default as the documentation shows it.
    public let defaultText: String
    /// What it means, one sentence for `--help` and the documentation.
    public let meaning: String
    /// Whether `show` takes it as well as `serve`. A flag, not a `Set<Command>`: every `fabric-agent` run builds
    /// this table, and 27 sets were 27 hashed allocations.
    let isSharedWithShow: Bool

    /// Whether `command` takes this setting.
    public func isTaken(by command: Command) -> Bool {
        switch command {
        case .serve: true
        case .show: isSharedWithShow
        }
    }

    public var flag: String { "--" + key }

    public var environmentVariable: String {
        "FABRIC_" + String(key.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}

/// The one table of the agent's settings: it drives the flags of `serve` and `show`, the environment
/// variables, the file keys and the documentation's table (a test keeps docs/agent.md equal to
/// ``documentationTable(for:)``). Typed parsing is ``InventorySettings`` for what both commands share, and
/// `AgentConfiguration` for the daemon's own keys.
public enum AgentSettings {
    public static let all: [AgentSetting] = [
        setting("listen", "ADDRESS", "`unix:/run/fabric/agent.sock`", "`unix:PATH`, `HOST:PORT` or `[IPv6]:PORT`; port 0 picks a free port"),
        setting("listen-group", "GROUP", "`kvm`", "the group given the unix socket (mode 0660): VDSM runs `after_get_caps` as `vdsm` in group `kvm`. A named group (name or number) must exist; the default falls back to the agent's own group on a host without `kvm`; empty keeps the agent's own group"),
        setting("sample-interval", "SECONDS", "`5`", "seconds between counter samples (0.1–3600)"),
        setting("ovsdb", "unix:PATH", "`$OVS_RUNDIR/db.sock` or `/run/openvswitch/db.sock`", "`unix:PATH` of the OVS database", show: true),
        setting("ovsdb-timeout", "SECONDS", "`2`", "seconds an OVSDB request may take (0.05–60)", show: true),
        setting("ovsdb-max-backoff", "SECONDS", "`10`", "longest wait between OVSDB reconnection attempts (0.1–600)"),
        setting("netns", "NAME", "none", "watch `/run/netns/NAME` instead of the agent's namespace", show: true),
        setting("netlink-receive-buffer", "BYTES", "`1048576`", "receive buffer of the socket that follows link and address changes (4096–268435456 bytes). A burst of changes larger than it loses notifications, which the agent answers with a full dump (`fabric_netlink_overruns_total`); raise it on hosts with heavy churn. Above `net.core.rmem_max` the kernel caps it unless the agent has `CAP_NET_ADMIN` (the unit gives none): raise that sysctl too"),
        setting("root", "PATH", "empty", "prefix for every host file read (VDSM, Neutron, sysfs)", show: true),
        setting("neutron-ovs-agent-config", "PATH", "`/etc/neutron/plugins/ml2/openvswitch_agent.ini`", "the Neutron Open vSwitch agent's configuration", show: true),
        setting("neutron-linuxbridge-agent-config", "PATH", "`/etc/neutron/plugins/ml2/linuxbridge_agent.ini`", "the Neutron Linux bridge agent's configuration", show: true),
        setting("ovn-ssl-private-key", "PATH", "the switch's `SSL` row", "the key for an `ssl:` ovn-remote (OVN's southbound database); with `ovn-ssl-certificate` and `ovn-ssl-ca-cert`. Unset, fabric uses the files ovn-controller uses, `ovs-vsctl get-ssl`", show: true),
        setting("ovn-ssl-certificate", "PATH", "the switch's `SSL` row", "the certificate for an `ssl:` ovn-remote", show: true),
        setting("ovn-ssl-ca-cert", "PATH", "the switch's `SSL` row", "the CA the southbound server's certificate must chain to", show: true),
        setting("tls-certificate", "PATH", "none", "PEM certificate chain; with `tls-key`"),
        setting("tls-key", "PATH", "none", "PEM private key"),
        setting("token-file", "PATH", "none", "file whose first line is the bearer token (at least 16 characters)"),
        setting("log-level", "LEVEL", "`info`", "trace, debug, info, notice, warning, error, critical"),
        setting("ready-file", "PATH", "none", "the bound address (`unix:PATH` or `http(s)://HOST:PORT`) is written here once serving"),
        setting("shutdown-timeout", "SECONDS", "`10`", "seconds for a graceful stop before cancellation (1–600); the unit's `TimeoutStopSec=20s` is above it"),
        setting("engine-url", "URL", "none (no push)", "`http://HOST[:PORT]/PATH` or `https://…`, no user or password; empty switches it off"),
        setting("engine-interval", "SECONDS", "`60`", "seconds between pushes of the current table (1–86400)"),
        setting("engine-timeout", "SECONDS", "`10`", "seconds one POST may take, from connecting to the end of the answer (0.1–600)"),
        setting("engine-max-backoff", "SECONDS", "`60`", "longest wait between retries (0.5–3600)"),
        setting("engine-queue", "COUNT", "`8`", "reports kept while the engine is away (1–1024)"),
        setting("engine-token-file", "PATH", "none", "file whose first line is the engine's bearer token (at least 16 characters)"),
        setting("engine-ca-certificate", "PATH", "none (system trust store)", "PEM certificates trusted for an `https` engine-url"),
    ]

    private static func setting(_ key: String, _ valueName: String, _ defaultText: String, _ meaning: String, show: Bool = false)
        -> AgentSetting
    {
        AgentSetting(
            key: key, valueName: valueName, defaultText: defaultText, meaning: meaning,
            isSharedWithShow: show)
    }

    /// The keys `command` takes, in documentation order.
    public static func keys(for command: AgentSetting.Command) -> [String] {
        all.filter { $0.isTaken(by: command) }.map(\.key)
    }

    /// The environment variable of `key`.
    public static func environmentVariable(for key: String) -> String {
        all.first { $0.key == key }?.environmentVariable ?? "FABRIC_" + key.uppercased()
    }

    /// The settings given as flags, by key: `--KEY VALUE` or `--KEY=VALUE`, each at most once.
    /// - Throws: ``SettingError`` naming the first flag `command` does not take, a missing value or a repeat.
    public static func flagValues(_ arguments: [String], for command: AgentSetting.Command) throws(SettingError) -> [String: String] {
        let known = Set(keys(for: command))
        var values: [String: String] = [:]
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingError(key: argument, source: "command line", reason: "unexpected argument")
            }
            var key = String(argument.dropFirst(2))
            var value: String?
            if let equals = key.firstIndex(of: "=") {
                value = String(key[key.index(after: equals)...])
                key = String(key[..<equals])
            }
            guard known.contains(key) else {
                throw SettingError(key: key, source: argument, reason: "unknown option")
            }
            if value == nil { value = rest.popFirst() }
            guard let value else { throw SettingError(key: key, source: argument, reason: "needs a value") }
            guard values[key] == nil else { throw SettingError(key: key, source: argument, reason: "given twice") }
            values[key] = value
        }
        return values
    }

    /// The options of `command`, as `--help` lists them, without the documentation's backticks. Built as bytes:
    /// every `fabric-agent` run builds it (ArgumentParser's configuration of `show`), help or not.
    public static func help(for command: AgentSetting.Command) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(4096)
        func append(_ part: String) {
            for byte in part.utf8 where byte != UInt8(ascii: "`") { text.append(byte) }
        }
        for setting in all where setting.isTaken(by: command) {
            if !text.isEmpty { append("\n") }
            append("  --")
            append(setting.key)
            append(" ")
            append(setting.valueName)
            append("\n        ")
            append(setting.meaning)
            append(" (default: ")
            append(setting.defaultText)
            append(")")
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The Markdown table of `keys` (docs/agent.md holds exactly this).
    public static func documentationTable(keys: [String]) -> String {
        var lines = ["| Key | Default | Meaning |", "|---|---|---|"]
        for setting in all where keys.contains(setting.key) {
            lines.append("| `\(setting.key)` | \(setting.defaultText) | \(setting.meaning) |")
        }
        return lines.joined(separator: "\n")
    }
}
