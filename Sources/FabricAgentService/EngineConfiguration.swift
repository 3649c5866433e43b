// SPDX-License-Identifier: Apache-2.0
public import FabricAgentSettings

/// The `engine-*` keys of `fabric-agent serve`: where and how the agent pushes its table to the engine
/// (docs/agent.md, "Pushing to the engine"). Without ``url`` nothing is pushed.
public struct EngineConfiguration: Sendable, Hashable {
    /// The keys in documentation order (all start with `engine-`).
    public static let keys = [
        "engine-url", "engine-interval", "engine-timeout", "engine-max-backoff", "engine-queue",
        "engine-token-file", "engine-ca-certificate",
    ]

    /// Where the table is POSTed; `nil` disables the push.
    public var url: EngineURL?
    /// Seconds between pushes of the current table when nothing structural changed (fresh counters).
    public var interval: Double = 60
    /// Seconds one POST may take, from connecting to the end of the answer.
    public var timeout: Double = 10
    /// The longest wait between two attempts after failures.
    public var maxBackoff: Double = 60
    /// Reports waiting to be sent; when full the oldest is dropped.
    public var queueLimit: Int = 8
    /// A file whose first line is the bearer token sent to the engine.
    public var tokenFile: String?
    /// A PEM file of the certificates trusted for an https engine, instead of the system's.
    public var caCertificate: String?
    // Not configuration keys: fixed in the agent, shortened by tests.
    /// How long a structural change waits for the changes that follow it (a VM start adds several links).
    public var debounce: Double = 1
    /// The first retry's wait; it doubles up to ``maxBackoff``.
    public var initialBackoff: Double = 0.5

    public init() {}

    /// Applies one textual value of an `engine-*` key; `source` names the flag, variable or file line.
    mutating func set(_ key: String, _ value: String, source: String) throws(AgentConfigurationError) {
        let setting = SettingValue(key: key, text: value, source: source)
        switch key {
        case "engine-url":
            // An empty value switches the push off (to override a file's value from the environment).
            if value.isEmpty {
                url = nil
            } else {
                do { url = try EngineURL(parsing: value) } catch { throw setting.fail(error.reason) }
            }
        case "engine-interval": interval = try setting.seconds(minimum: 1, maximum: 86_400)
        case "engine-timeout": timeout = try setting.seconds(minimum: 0.1, maximum: 600)
        case "engine-max-backoff": maxBackoff = try setting.seconds(minimum: 0.5, maximum: 3600)
        case "engine-queue":
            guard let count = Int(value), count >= 1, count <= 1024 else {
                throw setting.fail("'\(value)' is not a number of reports between 1 and 1024")
            }
            queueLimit = count
        case "engine-token-file": tokenFile = try setting.path()
        case "engine-ca-certificate": caCertificate = try setting.path()
        default: throw setting.fail("unknown key")
        }
    }

    /// Rules that involve more than one key.
    func validate() throws(AgentConfigurationError) {
        if caCertificate != nil, let url, !url.isTLS {
            throw AgentConfigurationError(
                key: "engine-ca-certificate", source: "configuration",
                reason: "a CA certificate needs an https engine-url, not \(url)")
        }
    }
}

/// An `http://` or `https://` URL with a host, without credentials (the token goes in
/// `engine-token-file`), so it can be logged as it is.
public struct EngineURL: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let isTLS: Bool
    public let host: String

    public var description: String { text }

    public init(parsing text: String) throws(EngineURLError) {
        let rest: Substring
        if text.hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst("https://".count)
        } else if text.hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst("http://".count)
        } else {
            throw EngineURLError(reason: "'\(text)' is not an http:// or https:// URL")
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else {
            throw EngineURLError(reason: "the URL must not hold credentials; put the token in engine-token-file")
        }
        guard !text.contains(where: { $0 == " " || $0.isNewline }) else {
            throw EngineURLError(reason: "'\(text)' contains whitespace")
        }
        var host: Substring
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw EngineURLError(reason: "'\(text)' has an unterminated [IPv6] host")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw EngineURLError(reason: "'\(text)' has junk after the host") }
                port = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw EngineURLError(reason: "'\(text)' has no host") }
        if let port {
            guard let number = Int(port), (1...65_535).contains(number) else {
                throw EngineURLError(reason: "'\(text)' has no valid port")
            }
        }
        self.text = text
        self.host = String(host)
    }
}

public struct EngineURLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

extension AgentConfiguration {
    /// The engine's bearer token from `engine-token-file`, read by the same rules as `token-file`.
    public func loadEngineToken() throws(AgentConfigurationError) -> String? {
        guard let file = engine.tokenFile else { return nil }
        var reader = AgentConfiguration()
        reader.tokenFile = file
        do {
            return try reader.loadToken()
        } catch {
            throw AgentConfigurationError(key: "engine-token-file", source: error.source, reason: error.reason)
        }
    }
}

