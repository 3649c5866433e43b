// SPDX-License-Identifier: Apache-2.0
import FabricInventory
public import FabricAgentSettings
internal import FabricNetlink
internal import FabricOVSDB
public import Logging

internal import FabricPOSIX

/// Every setting of `fabric-agent serve`, resolved from four layers: command-line flags over
/// `FABRIC_*` environment variables over the configuration file over the defaults (docs/agent.md).
///
/// Each setting has one key, spelled the same way in all layers: `sample-interval` is the file key,
/// `--sample-interval` the flag and `FABRIC_SAMPLE_INTERVAL` the environment variable. The keys, their
/// defaults and meanings are ``AgentSettings``'s table; those `show` shares are ``InventorySettings``.
public struct AgentConfiguration: Sendable, Hashable {
    public static let defaultPath = "/etc/fabric/agent.conf"
    public static let defaultListen = "unix:/run/fabric/agent.sock"

    public var listen: ListenAddress = try! ListenAddress(parsing: Self.defaultListen)
    /// The group given the unix socket (mode 0660), so that VDSM's hooks (user `vdsm`, group `kvm`) may
    /// connect. ``SocketGroup/vdsmDefault`` quietly falls back to the agent's own group on a host without it.
    public var listenGroup: SocketGroup = .vdsmDefault
    /// Seconds between counter samples (rates).
    public var sampleInterval: Double = 5
    /// Where the inventory reads the host from (the OVSDB endpoint and timeout, the namespace, the file
    /// root, the Neutron files), as `show` does.
    public var inventory = InventorySettings()
    /// The receive buffer of the netlink socket the watcher follows changes on, in bytes. A burst larger than it
    /// overruns the socket (`ENOBUFS`), and the watcher answers with a full dump: nothing is lost but time.
    public var netlinkReceiveBuffer = Int(NetlinkSocket.receiveBufferSize)
    /// The range `netlink-receive-buffer` accepts: the kernel's own floor is about 2.3 KiB; the ceiling bounds the
    /// kernel memory one agent may pin (the kernel doubles the request) at a size no host's burst should need.
    public static let netlinkReceiveBufferRange = 4096...(256 << 20)
    /// The longest wait between reconnection attempts to ovsdb-server.
    public var ovsdbMaxBackoff: Double = 10
    /// PEM certificate chain and key for TLS; required together on a non-loopback address.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// A file whose first line is the bearer token; required on a non-loopback address.
    public var tokenFile: String?
    public var logLevel: Logger.Level = .info
    /// A file the agent writes its bound address into once it serves (for scripts and tests).
    public var readyFile: String?
    /// Seconds the services may take to stop gracefully before they are cancelled.
    public var shutdownTimeout: Double = 10
    /// The optional push of the table to the engine (`engine-*` keys).
    public var engine = EngineConfiguration()

    public init() {}

    /// The keys in documentation order.
    public static let keys = AgentSettings.keys(for: .serve)

    /// The environment variable for `key`: `FABRIC_` and the key in upper snake case.
    public static func environmentVariable(for key: String) -> String {
        AgentSettings.environmentVariable(for: key)
    }


    /// Resolves the configuration.
    ///
    /// - Parameters:
    ///   - flags: values given on the command line, by key.
    ///   - environment: the process environment (only `FABRIC_*` variables are read).
    ///   - configPath: the file named by `--config` or `FABRIC_CONFIG`; `nil` reads ``defaultPath`` if it
    ///     exists. A file named explicitly must exist.
    /// - Throws: ``AgentConfigurationError`` naming the key, the source and the reason.
    public static func resolve(
        flags: [String: String], environment: [String: String], configPath: String?
    ) throws(AgentConfigurationError) -> AgentConfiguration {
        var configuration = AgentConfiguration()
        let path = configPath ?? environment["FABRIC_CONFIG"]
        let fileValues = try ConfigurationFile.load(path: path ?? defaultPath, required: path != nil)
        for key in keys {
            if let value = flags[key] {
                try configuration.set(key, value, source: "--\(key)")
            } else if let value = environment[environmentVariable(for: key)] {
                try configuration.set(key, value, source: environmentVariable(for: key))
            } else if let entry = fileValues[key] {
                try configuration.set(key, entry.value, source: "\(entry.file):\(entry.line)")
            }
        }
        try configuration.validate()
        return configuration
    }

    /// Applies one textual value.
    mutating func set(_ key: String, _ value: String, source: String) throws(AgentConfigurationError) {
        let setting = SettingValue(key: key, text: value, source: source)
        switch key {
        case _ where InventorySettings.keys.contains(key): try inventory.set(key, value, source: source)
        case "listen":
            do { listen = try ListenAddress(parsing: value) } catch { throw setting.fail(error.reason) }
        case "listen-group":
            do { listenGroup = try SocketGroup(parsing: value) } catch { throw setting.fail(error.reason) }
        case "sample-interval": sampleInterval = try setting.seconds(minimum: 0.1, maximum: 3600)
        case "ovsdb-max-backoff": ovsdbMaxBackoff = try setting.seconds(minimum: 0.1, maximum: 600)
        case "netlink-receive-buffer":
            netlinkReceiveBuffer = try setting.bytes(
                minimum: Self.netlinkReceiveBufferRange.lowerBound, maximum: Self.netlinkReceiveBufferRange.upperBound)
        case "tls-certificate": tlsCertificate = try setting.path()
        case "tls-key": tlsKey = try setting.path()
        case "token-file": tokenFile = try setting.path()
        case "log-level":
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw setting.fail("'\(value)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = level
        case "ready-file": readyFile = try setting.path()
        case "shutdown-timeout": shutdownTimeout = try setting.seconds(minimum: 1, maximum: 600)
        case _ where key.hasPrefix("engine-"): try engine.set(key, value, source: source)
        default: throw setting.fail("unknown key")
        }
    }

    /// Rules that involve more than one key.
    func validate() throws(AgentConfigurationError) {
        try engine.validate()
        do { _ = try inventory.ovnTLSFiles() } catch {
            throw AgentConfigurationError(key: error.key, source: "configuration", reason: error.reason)
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw AgentConfigurationError(
                key: tlsCertificate == nil ? "tls-certificate" : "tls-key", source: "configuration",
                reason: "tls-certificate and tls-key must be given together")
        }
        if !listen.isLocal {
            guard tlsCertificate != nil else {
                throw AgentConfigurationError(
                    key: "tls-certificate", source: "configuration",
                    reason: "listening on \(listen) (not loopback) requires tls-certificate and tls-key")
            }
            guard tokenFile != nil else {
                throw AgentConfigurationError(
                    key: "token-file", source: "configuration",
                    reason: "listening on \(listen) (not loopback) requires a bearer token (token-file)")
            }
        }
    }

    /// The bearer token from ``tokenFile``: its first line, trimmed. Never logged.
    public func loadToken() throws(AgentConfigurationError) -> String? {
        guard let tokenFile else { return nil }
        let read: String?
        do {
            read = try ConfigurationFile.readText(tokenFile)
        } catch {
            throw AgentConfigurationError(key: "token-file", source: tokenFile, reason: error.description)
        }
        guard let text = read else {
            throw AgentConfigurationError(key: "token-file", source: tokenFile, reason: "the file does not exist")
        }
        let token = text.split(separator: "\n", omittingEmptySubsequences: true).first.map {
            String($0).trimmingWhitespace()
        } ?? ""
        guard token.count >= 16 else {
            throw AgentConfigurationError(
                key: "token-file", source: tokenFile, reason: "the token must be at least 16 characters")
        }
        return token
    }
}

/// A configuration value that cannot be used; printed as one line.
public typealias AgentConfigurationError = SettingError

/// The `key = value` file format of /etc/fabric/agent.conf: one setting per line, `#` starts a
/// comment line, blank lines are ignored, whitespace around key and value is trimmed, no quoting.
enum ConfigurationFile {
    struct Entry: Hashable {
        var value: String
        var file: String
        var line: Int
    }

    /// Far above any real configuration; a bound, so a wrong path (a log, a device) fails fast and clearly.
    static let sizeLimit = 1 << 20

    static func load(path: String, required: Bool) throws(AgentConfigurationError) -> [String: Entry] {
        let read: String?
        do {
            read = try readText(path)
        } catch {
            throw AgentConfigurationError(key: "config", source: path, reason: error.description)
        }
        guard let text = read else {
            if !required { return [:] }
            throw AgentConfigurationError(key: "config", source: path, reason: "the configuration file does not exist")
        }
        var entries: [String: Entry] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let source = "\(path):\(number + 1)"
            guard let equals = line.firstIndex(of: "=") else {
                throw AgentConfigurationError(key: String(line.prefix(40)), source: source, reason: "expected key = value")
            }
            let key = String(line[..<equals]).trimmingWhitespace()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            guard AgentConfiguration.keys.contains(key) else {
                throw AgentConfigurationError(key: String(key.prefix(40)), source: source, reason: "unknown key")
            }
            entries[key] = Entry(value: value, file: path, line: number + 1)
        }
        return entries
    }

    /// The whole file as text, or `nil` when it does not exist.
    /// - Throws: ``ReadFailure`` when it cannot be read, is larger than ``sizeLimit``, or is not UTF-8 text.
    static func readText(_ path: String) throws(ReadFailure) -> String? {
        let bytes: [UInt8]?
        do {
            bytes = try FileDescriptor.readFile(path, limit: sizeLimit)
        } catch {
            switch error {
            case .tooLarge: throw ReadFailure("the file is larger than \(sizeLimit / 1024 / 1024) MiB")
            case .system(let reason): throw ReadFailure("cannot read the file: \(reason)")
            }
        }
        guard let bytes else { return nil }
        guard !bytes.contains(0) else { throw ReadFailure("the file holds a NUL byte: it is not a text file") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ReadFailure("the file is not UTF-8 text") }
        return text
    }

    struct ReadFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    fileprivate func replacingDashes() -> String {
        String(map { $0 == "-" ? "_" : $0 })
    }
}

