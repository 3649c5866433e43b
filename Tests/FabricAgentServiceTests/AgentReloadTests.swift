// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// SIGHUP re-reads the configuration file: new host-file locations change the table without a
/// restart, and a bad file keeps the previous configuration.
@Suite("fabric-agent serve reload (SIGHUP)", .serialized, .timeLimit(.minutes(2)))
struct AgentReloadTests {
    /// A fake host root whose Linux bridge agent maps `lbx0` to `physnet`, with the real sysfs.
    func makeRoot(_ path: String, physnet: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path + "/sys", withDestinationPath: "/sys")
        try FileManager.default.createSymbolicLink(atPath: path + "/proc", withDestinationPath: "/proc")
        try "[linux_bridge]\nphysical_interface_mappings = \(physnet):lbx0\n"
            .write(toFile: path + "/lb.ini", atomically: true, encoding: .utf8)
    }

    func writeConfig(_ path: String, directory: String, root: String, extra: String = "") throws {
        try """
            # written by AgentReloadTests
            listen = unix:\(directory)/a.sock
            ovsdb = unix:/nonexistent.sock
            root = \(root)
            neutron-linuxbridge-agent-config = /lb.ini
            \(extra)
            """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test(.enabled(if: AgentTestGate.canRunInNamespace, AgentTestGate.namespaceReason))
    func sighupAppliesANewFileAndKeepsTheOldOneWhenTheNewOneIsBad() throws {
        let namespace = try NetworkNamespaceFixture(prefix: "fab-reload")
        defer { namespace.delete() }
        try namespace.ip("link", "add", "lbx0", "type", "veth", "peer", "name", "lbx1")
        let directory = AgentProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try makeRoot(directory + "/rootA", physnet: "physA")
        try makeRoot(directory + "/rootB", physnet: "physB")
        let config = directory + "/agent.conf"
        try writeConfig(config, directory: directory, root: directory + "/rootA")

        let agent = try AgentProcess(
            namespace: namespace.name, arguments: [], environment: ["FABRIC_CONFIG": config], directory: directory)
        func network() -> String? {
            guard let row = try? agent.json("/v1/interfaces/lbx0") else { return nil }
            return (row["classification"] as? [String: Any])?["networkName"] as? String
        }
        #expect(AgentProcess.eventually { network() == "physA" })

        try writeConfig(config, directory: directory, root: directory + "/rootB")
        #expect(kill(agent.pid, SIGHUP) == 0)
        #expect(AgentProcess.eventually { network() == "physB" }, "the new root is applied without a restart")

        func complaints() -> Int { agent.standardError.components(separatedBy: "'soon'").count - 1 }
        #expect(complaints() == 0)
        try writeConfig(config, directory: directory, root: directory + "/rootA", extra: "sample-interval = soon")
        #expect(kill(agent.pid, SIGHUP) == 0)
        #expect(AgentProcess.eventually(seconds: 5) { complaints() > 0 }, "the bad value is logged: \(agent.standardError.suffix(500))")
        #expect(network() == "physB", "a bad file keeps the previous configuration")
        #expect(agent.process.isRunning)
        #expect(agent.stop() == 0)
    }
}
