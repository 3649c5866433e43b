// SPDX-License-Identifier: Apache-2.0
import FabricAgentService
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
        #expect(configuration.ovsdbTimeout == 3)
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
        (["token-file": "relative"], "token-file"),
        (["tls-certificate": "/c.pem"], "tls-key"),
        (["listen": "0.0.0.0:8443"], "tls-certificate"),
        (["listen": "0.0.0.0:8443", "tls-certificate": "/c", "tls-key": "/k"], "token-file"),
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

    @Test func everyKeyHasAnEnvironmentVariable() {
        #expect(AgentConfiguration.environmentVariable(for: "sample-interval") == "FABRIC_SAMPLE_INTERVAL")
        #expect(Set(AgentConfiguration.keys.map(AgentConfiguration.environmentVariable(for:))).count
            == AgentConfiguration.keys.count)
    }
}
