// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// A test run killed while it pointed the system's OVSDB socket at its sandbox (a session's end, a CI timeout)
/// leaves a dangling link, and what the host had there moved aside under the dead run's pid. The next run undoes
/// both, so the host's socket comes back and later runs do not keep a stale link alive.
@Suite(.serialized, .enabled(if: geteuid() == 0 && OVSSandbox.isAvailable, "needs root and Open vSwitch (run `make test`)"))
struct SystemOVSDBSocketLinkTests {
    let path = SystemOVSDBSocketLink.path

    func exitedPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// Nothing there, or only a link a killed run left (to a sandbox that is gone).
    func hostHasNoSocket() -> Bool {
        var info = stat()
        return lstat(path, &info) != 0 || SystemOVSDBSocketLink.isLeftByAKilledRun(path)
    }

    @Test func aDanglingLinkOfAKilledRunIsDroppedAndTheHostsSocketPutBack() throws {
        // Only where the host has no socket of its own: the test must never move a real one.
        try #require(hostHasNoSocket(), "\(path) exists; not touching the host's socket")
        let sandbox = try OVSSandbox(startSwitch: false)
        defer { sandbox.stop() }
        try FileManager.default.createDirectory(atPath: "/run/openvswitch", withIntermediateDirectories: true)
        let hostsFile = path + ".fabric-saved-\(try exitedPID())"
        try "the host's socket\n".write(toFile: hostsFile, atomically: false, encoding: .utf8)
        defer { unlink(hostsFile) }
        unlink(path)
        #expect(symlink(OVSSandbox.directoryPrefix + "gone00/db.sock", path) == 0)
        defer { if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil { unlink(path) } }

        let link = try SystemOVSDBSocketLink(pointingAt: sandbox.socketPath)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path) == sandbox.socketPath)
        link.restore()

        // What the killed run had moved aside is back, and the dangling link was not kept.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the host's socket\n")
        #expect(!FileManager.default.fileExists(atPath: hostsFile))
        unlink(path)
    }
}
