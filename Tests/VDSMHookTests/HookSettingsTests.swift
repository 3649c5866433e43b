// SPDX-License-Identifier: Apache-2.0
import FabricOVSDB
import Foundation
import Testing
import VDSMHook

@Suite struct HookSettingsTests {
    @Test func parsesEveryKeyWithCommentsBlanksAndSpaces() throws {
        let text = """
            # fabric hooks

              integration_bridge =  br-ovn
            linux_bridges = br-lb, physnet1 br-x
            ovsdb = unix:/var/run/openvswitch/db.sock
            agent_socket = /run/fabric/other.sock

            """
        let settings = try HookSettings(parsing: Array(text.utf8))
        #expect(settings.integrationBridge == "br-ovn")
        #expect(settings.linuxBridges == ["br-lb", "physnet1", "br-x"])
        #expect(settings.ovsdb.description == "unix:/var/run/openvswitch/db.sock")
        #expect(settings.agentSocket == "/run/fabric/other.sock")
        #expect(try HookSettings(parsing: []) == HookSettings())
    }

    /// The error names the file, the line and the key, and never quotes the file: fabric-wire reads it as root
    /// for `vdsm`, so a quoted line would be a way to read root's files.
    @Test(arguments: [
        ("bridge = secret-value", "line 1 has an unknown key"),
        ("root:x:0:0:root:/root:/bin/bash", "line 1 is not key = value"),
        ("# c\nintegration_bridge = has space", "line 2: integration_bridge"),
        ("integration_bridge = sixteen-chars-xx", "integration_bridge"),
        ("integration_bridge =", "integration_bridge"),
        ("integration_bridge = br@int", "integration_bridge"),
        ("linux_bridges = ok, ;vdsmdummy;", "linux_bridges"),
        ("ovsdb = tcp:10.0.0.1:6640", "ovsdb"),
        ("ovsdb = unix:/" + String(repeating: "x", count: 120), "ovsdb"),
        ("agent_socket = relative.sock", "agent_socket"),
    ])
    func badFilesNameLineAndKeyButNotContent(text: String, named: String) {
        let error = #expect(throws: HookSettingsError.self) { try HookSettings(parsing: Array(text.utf8), origin: "/x.conf") }
        #expect(error?.message.hasPrefix("/x.conf ") == true)
        #expect(error?.message.contains(named) == true, "\(error?.message ?? "")")
        for secret in ["secret-value", "root:x", "has space", "sixteen", "br@int", "vdsmdummy", "10.0.0.1", "xxxx", "relative"] {
            #expect(error?.message.contains(secret) == false, "\(error?.message ?? "") quotes the file")
        }
    }

    @Test func aNulByteIsNotText() {
        #expect(throws: HookSettingsError.self) { try HookSettings(parsing: Array("integration_bridge = br-int\0\n".utf8)) }
    }

    @Test func missingFileMeansDefaults() throws {
        #expect(try HookSettings.load(from: "/nonexistent-fabric/hooks.conf") == HookSettings())
    }

    @Test(.enabled(if: System.isRoot, "ownership checks need root to chown"))
    func onlyRootControlledFilesAreRead() throws {
        let scratch = try Scratch()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        let file = try scratch.write("hooks.conf", "integration_bridge = br-root\n", mode: 0o644)
        #expect(try HookSettings.load(from: file).integrationBridge == "br-root")

        // Writable by a group or others, owned by someone else, or in a directory someone else can write.
        try FileManager.default.setAttributes([.posixPermissions: 0o664], ofItemAtPath: file)
        try expectRefused(file, because: "a group or others may write it")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect(System.run("chown", "nobody", file) == 0)
        try expectRefused(file, because: "does not belong to root")
        #expect(System.run("chown", "root", file) == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: scratch.path)
        try expectRefused(file, because: "a group or others may write \(scratch.path)")
        // A sticky directory (as /tmp) is safe: nobody else can replace root's entries there.
        try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: scratch.path)
        #expect(try HookSettings.load(from: file).integrationBridge == "br-root")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)

        // A link is followed to its target, and the target's directories are checked.
        let elsewhere = try Scratch()
        #expect(System.run("chown", "nobody", elsewhere.path) == 0)
        let target = try elsewhere.write("real.conf", "integration_bridge = br-link\n", mode: 0o644)
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link.conf", withDestinationPath: target)
        try expectRefused(scratch.path + "/link.conf", because: "\(elsewhere.path) does not belong to root")

        // Not a regular file, or too large.
        try expectRefused(scratch.path, because: "not a regular file", as: "cannot be read")
        let big = try scratch.write("big.conf", String(repeating: "# padding\n", count: 7000), mode: 0o644)
        try expectRefused(big, because: "larger than 64 KiB", as: "is larger")
    }

    private func expectRefused(_ path: String, because reason: String, as prefix: String = "is not used") throws {
        let error = #expect(throws: HookSettingsError.self) { try HookSettings.load(from: path) }
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(prefix) == true, "\(error?.message ?? "")")
    }
}
