// SPDX-License-Identifier: Apache-2.0
import FabricAgentService
import FabricAgentSettings
import Foundation
import Logging
import Testing

@Suite("AgentConfiguration: flags > environment > file > defaults")
struct AgentConfigurationTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsWhenNothingIsGiven() throws {
        let configuration = try AgentConfiguration.resolve(
            flags: [:], environment: [:], configPath: try file("# only a comment\n\n"))
        #expect(configuration.listen == .unix(path: "/run/fabric/agent.sock"))
        #expect(configuration.sampleInterval == 5)
        #expect(configuration.ovsdbMaxBackoff == 10)
        #expect(configuration.logLevel == .info)
        #expect(configuration.tokenFile == nil)
    }

    @Test func precedenceIsFlagsThenEnvironmentThenFile() throws {
        let path = try file("sample-interval = 7\nlog-level = debug\novsdb-timeout=3\n")
        let configuration = try AgentConfiguration.resolve(
            flags: ["sample-interval": "2"],
            environment: ["FABRIC_SAMPLE_INTERVAL": "3", "FABRIC_LOG_LEVEL": "warning"], configPath: path)
        #expect(configuration.sampleInterval == 2)
        #expect(configuration.logLevel == .warning)
        #expect(configuration.inventory.ovsdbTimeout == 3)
    }

    /// Admins of hosts with heavy churn raise it; the agent refuses sizes the kernel would not honour or that make
    /// no sense, with a reason that gives the range.
    @Test func netlinkReceiveBufferIsBytesWithinItsRange() throws {
        #expect(try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: "/dev/null").netlinkReceiveBuffer == 1 << 20)
        let path = try file("netlink-receive-buffer = 16777216\n")
        #expect(try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: path).netlinkReceiveBuffer == 16 << 20)
        let fromEnvironment = try AgentConfiguration.resolve(
            flags: [:], environment: ["FABRIC_NETLINK_RECEIVE_BUFFER": "4096"], configPath: path)
        #expect(fromEnvironment.netlinkReceiveBuffer == 4096)
        let cases: [(String, String)] = [
            ("4095", "4095 is outside 4096…268435456 bytes"),
            ("268435457", "268435457 is outside 4096…268435456 bytes"),
            ("-1", "-1 is outside 4096…268435456 bytes"),
            ("16M", "'16M' is not a whole number of bytes"),
            ("", "'' is not a whole number of bytes"),
        ]
        for (value, reason) in cases {
            let error = try #require(throws: AgentConfigurationError.self) {
                try AgentConfiguration.resolve(flags: ["netlink-receive-buffer": value], environment: [:], configPath: path)
            }
            #expect(error.description == "netlink-receive-buffer: \(reason) (from --netlink-receive-buffer)")
        }
    }

    @Test func configFileFromEnvironment() throws {
        let path = try file("listen = 127.0.0.1:0\n")
        let configuration = try AgentConfiguration.resolve(
            flags: [:], environment: ["FABRIC_CONFIG": path], configPath: nil)
        #expect(configuration.listen == .tcp(host: "127.0.0.1", port: 0))
    }

    @Test(arguments: [
        (["sample-interval": "fast"], "sample-interval"),
        (["sample-interval": "0"], "sample-interval"),
        (["log-level": "loud"], "log-level"),
        (["listen": "nowhere"], "listen"),
        (["ovsdb": "/run/db.sock"], "ovsdb"),
        (["ovsdb": "unix:/" + String(repeating: "d", count: 120) + "/db.sock"], "ovsdb"),
        (["token-file": "relative"], "token-file"),
        (["tls-certificate": "/c.pem"], "tls-key"),
        (["listen": "0.0.0.0:8443"], "tls-certificate"),
        (["listen": "0.0.0.0:8443", "tls-certificate": "/c", "tls-key": "/k"], "token-file"),
        (["engine-url": "ftp://engine.example/hosts"], "engine-url"),
        (["engine-url": "engine.example:443"], "engine-url"),
        (["engine-url": "https:///hosts"], "engine-url"),
        (["engine-url": "https://admin:secret@engine.example/hosts"], "engine-url"),
        (["engine-url": "http://engine.example:99999/"], "engine-url"),
        (["engine-interval": "-1"], "engine-interval"),
        (["engine-interval": "often"], "engine-interval"),
        (["engine-timeout": "0"], "engine-timeout"),
        (["engine-max-backoff": "1e9"], "engine-max-backoff"),
        (["engine-queue": "0"], "engine-queue"),
        (["engine-queue": "many"], "engine-queue"),
        (["engine-token-file": "engine.token"], "engine-token-file"),
        (["engine-ca-certificate": "ca.pem"], "engine-ca-certificate"),
        (["engine-url": "http://engine.example/", "engine-ca-certificate": "/ca.pem"], "engine-ca-certificate"),
    ])
    func badValuesNameTheKey(flags: [String: String], key: String) throws {
        let path = try file("")
        let error = try #require(throws: AgentConfigurationError.self) {
            try AgentConfiguration.resolve(flags: flags, environment: [:], configPath: path)
        }
        #expect(error.key == key)
        #expect(!error.description.contains("\n"))
        #expect(error.description.hasPrefix(key + ":"))
    }

    @Test func badEnvironmentValueNamesTheVariable() throws {
        let error = try #require(throws: AgentConfigurationError.self) {
            try AgentConfiguration.resolve(
                flags: [:], environment: ["FABRIC_OVSDB_MAX_BACKOFF": "-1"], configPath: try file(""))
        }
        #expect(error.key == "ovsdb-max-backoff")
        #expect(error.source == "FABRIC_OVSDB_MAX_BACKOFF")
    }

    @Test func fileErrorsNameTheLine() throws {
        let path = try file("listen = unix:/tmp/a.sock\ncolour = blue\n")
        let error = try #require(throws: AgentConfigurationError.self) {
            try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: path)
        }
        #expect(error.key == "colour")
        #expect(error.source == "\(path):2")
        #expect(error.reason == "unknown key")
    }

    /// A file that is not a configuration at all fails with one clear reason, before anything starts: the
    /// agent never runs half-configured.
    @Test(arguments: [
        (Array("listen = unix:/tmp/a.sock\0\u{1}\u{2}".utf8), "NUL byte"),
        ([0xFF, 0xFE, 0x6C, 0x00] as [UInt8], "NUL byte"),
        (Array("listen = unix:/tmp/a.sock\n".utf8) + [0xC3, 0x28], "not UTF-8"),
        (Array(String(repeating: "# padding line\n", count: 80_000).utf8), "larger than 1 MiB"),
    ])
    func filesThatAreNotConfigurationsAreRefused(bytes: [UInt8], reason: String) throws {
        let path = try file("")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: AgentConfigurationError.self) {
            try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: path)
        }
        #expect(error.key == "config" && error.source == path)
        #expect(error.reason.contains(reason), "\(error.reason)")
    }

    @Test func anEmptyFileMeansTheDefaultsAndManyUnknownKeysNameTheFirst() throws {
        let empty = try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: try file(""))
        #expect(empty == (try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: try file("# nothing\n"))))
        let unknown = (1...5000).map { "key\($0) = value\n" }.joined()
        let error = try #require(throws: AgentConfigurationError.self) {
            try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: try file(unknown))
        }
        #expect(error.key == "key1" && error.reason == "unknown key" && error.source.hasSuffix(":1"))
    }

    @Test func explicitMissingFileIsAnError() {
        #expect(throws: AgentConfigurationError.self) {
            try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: "/nonexistent/agent.conf")
        }
    }

    @Test func tokenIsTheFirstLineAndMustBeLong() throws {
        var configuration = AgentConfiguration()
        configuration.tokenFile = try file("  s3cret-token-0123456789  \nignored\n")
        #expect(try configuration.loadToken() == "s3cret-token-0123456789")
        configuration.tokenFile = try file("short\n")
        #expect(throws: AgentConfigurationError.self) { try configuration.loadToken() }
    }

    @Test func engineKeysHaveDefaultsAndParse() throws {
        let defaults = try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: try file(""))
        #expect(defaults.engine.url == nil, "no push unless engine-url is set")
        #expect(defaults.engine.interval == 60)
        #expect(defaults.engine.timeout == 10)
        #expect(defaults.engine.maxBackoff == 60)
        #expect(defaults.engine.queueLimit == 8)

        let path = try file("engine-url = https://[fd00::1]:8443/api/fabric\nengine-queue = 3\n")
        let configuration = try AgentConfiguration.resolve(
            flags: ["engine-interval": "30"],
            environment: ["FABRIC_ENGINE_CA_CERTIFICATE": "/etc/fabric/engine-ca.pem", "FABRIC_ENGINE_TIMEOUT": "2.5"],
            configPath: path)
        let url = try #require(configuration.engine.url)
        #expect(url.text == "https://[fd00::1]:8443/api/fabric")
        #expect(url.host == "fd00::1")
        #expect(url.isTLS)
        #expect(configuration.engine.queueLimit == 3)
        #expect(configuration.engine.interval == 30)
        #expect(configuration.engine.timeout == 2.5)
        #expect(configuration.engine.caCertificate == "/etc/fabric/engine-ca.pem")

        let off = try AgentConfiguration.resolve(flags: [:], environment: ["FABRIC_ENGINE_URL": ""], configPath: path)
        #expect(off.engine.url == nil, "an empty value switches a file's engine-url off")
    }

    @Test func engineTokenFollowsTheTokenFileRulesUnderItsOwnKey() throws {
        var configuration = AgentConfiguration()
        #expect(try configuration.loadEngineToken() == nil)
        configuration.engine.tokenFile = try file("engine-token-0123456789\n")
        #expect(try configuration.loadEngineToken() == "engine-token-0123456789")
        configuration.engine.tokenFile = try file("short\n")
        let error = try #require(throws: AgentConfigurationError.self) { try configuration.loadEngineToken() }
        #expect(error.key == "engine-token-file")
        #expect(!error.description.contains("short"), "the token is not echoed")
    }

    @Test func everyKeyHasAnEnvironmentVariable() {
        #expect(AgentConfiguration.environmentVariable(for: "sample-interval") == "FABRIC_SAMPLE_INTERVAL")
        #expect(Set(AgentConfiguration.keys.map(AgentConfiguration.environmentVariable(for:))).count
            == AgentConfiguration.keys.count)
    }
}
