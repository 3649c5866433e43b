// SPDX-License-Identifier: Apache-2.0
import FabricOVSDB
import FabricTestSupport
import Foundation
import Testing

/// The privileged path for real: after_update_device runs as an unprivileged user (`fabrictest`, standing in for
/// `vdsm`), reaches root only through `sudo -n /usr/libexec/fabric/fabric-wire …` allowed by a temporary sudoers
/// drop-in, with the built helper at that path and the test's hooks.conf in a private mount namespace
/// (``HookSettingsOverlay``), and the port appears in OVSDB with its external_ids. The helper refuses bad
/// arguments, and bridges that are not the provider's, even when sudo lets the user run it.
@Suite(.serialized, .enabled(if: PrivilegedHook.unavailableReason == nil, "\(PrivilegedHook.unavailableReason ?? "")"))
struct PrivilegedHookTests {
    static let user = "fabrictest"

    func asUser(settings: HookSettingsOverlay? = nil, _ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(
            "/usr/bin/timeout",
            ["20"] + (settings?.commandPrefix ?? [])
                + ["/usr/bin/setpriv", "--reuid=\(Self.user)", "--regid=\(Self.user)", "--clear-groups"] + arguments)
    }

    @Test func hookAsUnprivilegedUserPlugsThroughSudo() throws {
        let helper = try #require(BuiltProducts.path("fabric-wire"))
        let hook = try #require(BuiltProducts.path("after_update_device"))
        let sudoers = try SudoersDropIn(user: Self.user)
        defer { sudoers.remove() }
        let sandbox = try OVSSandbox()
        defer { sandbox.stop() }
        let bridge = OVSSandbox.uniqueName("bpriv")
        try sandbox.vsctl(["add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev"], wait: true)
        let settings = try HookSettingsOverlay(
            settings: "integration_bridge = \(bridge)\novsdb = unix:\(sandbox.socketPath)\n", helper: helper)
        let id = UUID().uuidString.lowercased()
        let tap = "tap" + id.prefix(11)
        try ProcessRunner.checkedOutput("ip", ["tuntap", "add", "dev", tap, "mode", "tap"])
        defer { _ = try? ProcessRunner.run("ip", ["link", "del", tap]) }
        let vmID = UUID().uuidString.lowercased()

        // The user itself cannot do it: links and the database socket are root's.
        let direct = try asUser(settings: settings, [
            "/usr/libexec/fabric/fabric-wire", "ovs-plug", "--bridge", bridge, "--tap", tap, "--iface-id", id, "--mac", "52:54:00:12:34:56",
            "--vm-id", vmID,
        ])
        #expect(direct.status == 1)

        let data = Array(#"<interface type="bridge"><mac address="52:54:00:12:34:56"/><source bridge=";vdsmdummy;"/></interface>"#.utf8)
        let environment = [
            "provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": id.uppercased(), "vmId": vmID,
        ]
        let result = try HookProcess(executable: hook, point: "after_update_device")
            .run(data: data, environment: environment, settings: settings, owner: Self.user)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.output == data)

        var client = try OVSDBClient(endpoint: OVSDBEndpoint(socketPath: sandbox.socketPath))
        let port = try #require(try client.switchState().bridges.first { $0.name == bridge }?.ports.first { $0.name == tap })
        #expect(
            port.interfaces.first?.externalIDs
                == ["iface-id": id, "attached-mac": "52:54:00:12:34:56", "vm-id": vmID, "iface-status": "active"])

        // Without the drop-in, sudo -n refuses and the hook says so in one line, exit 1.
        sudoers.remove()
        let refused = try HookProcess(executable: hook, point: "after_update_device")
            .run(data: data, environment: environment, settings: settings, owner: Self.user)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("fabric: ") && refused.stderr.filter { $0 == "\n" }.count == 1)
    }

    /// A host without a working sudo: the after-hook says so in one line and exits 1, so the VM keeps running.
    @Test func withoutSudoTheHookSaysSoAndTheVMKeepsRunning() throws {
        let hook = try #require(BuiltProducts.path("after_update_device"))
        let helper = try #require(BuiltProducts.path("fabric-wire"))
        let settings = try HookSettingsOverlay(settings: "integration_bridge = br-int\n", helper: helper, hidingSudo: true)
        let id = UUID().uuidString.lowercased()
        let data = Array(#"<interface type="bridge"><mac address="52:54:00:12:34:56"/><source bridge=";vdsmdummy;"/></interface>"#.utf8)
        let result = try HookProcess(executable: hook, point: "after_update_device").run(
            data: data, environment: ["provider_type": "EXTERNAL_NETWORK", "plugin_type": "OVIRT_PROVIDER_OVN", "vnic_id": id,
                                      "vmId": UUID().uuidString.lowercased()],
            settings: settings, owner: Self.user)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr == "fabric: cannot run /usr/bin/sudo: Permission denied\n")
        #expect(result.output == data)
    }

    /// sudo lets the user run the helper with any arguments; the helper itself keeps VDSM's bridges and any bridge
    /// the settings do not name out of reach (exit 77, nothing touched).
    @Test func helperRefusesBridgesThatAreNotTheProvidersEvenThroughSudo() throws {
        let helper = try #require(BuiltProducts.path("fabric-wire"))
        let sudoers = try SudoersDropIn(user: Self.user)
        defer { sudoers.remove() }
        let settings = try HookSettingsOverlay(settings: "integration_bridge = br-prov\nlinux_bridges = br-lbprov\n", helper: helper)
        let mgmt = OVSSandbox.uniqueName("mgmt")
        try ProcessRunner.checkedOutput("ip", ["link", "add", mgmt, "type", "bridge"])
        defer { _ = try? ProcessRunner.run("ip", ["link", "del", mgmt]) }
        let id = UUID().uuidString.lowercased()
        let tap = "tap" + id.prefix(11)
        try ProcessRunner.checkedOutput("ip", ["tuntap", "add", "dev", tap, "mode", "tap"])
        defer { _ = try? ProcessRunner.run("ip", ["link", "del", tap]) }

        let wire = ["/usr/bin/setpriv", "--reuid=\(Self.user)", "--regid=\(Self.user)", "--clear-groups",
                    "/usr/bin/sudo", "-n", "/usr/libexec/fabric/fabric-wire"]
        for arguments in [
            ["linux-bridge", "--tap", tap, "--bridge", mgmt],
            ["ovs-plug", "--bridge", mgmt, "--tap", tap, "--iface-id", id, "--mac", "52:54:00:12:34:56", "--vm-id", id],
        ] {
            let command = settings.commandPrefix + wire + arguments
            let result = try ProcessRunner.run(command[0], Array(command.dropFirst()))
            #expect(result.status == 77, "\(arguments[0]): \(result.standardError)")
            #expect(result.standardError.hasPrefix("fabric-wire: bridge \(mgmt) is not"))
            #expect(result.standardError.filter { $0 == "\n" }.count == 1)
        }
        // Nothing was touched: the tap has no master.
        let link = String(decoding: try ProcessRunner.checkedOutput("ip", ["-o", "link", "show", tap]), as: UTF8.self)
        #expect(!link.contains("master"))
    }

    @Test(arguments: [
        ["detach", "--tap", "eth0"],
        ["detach", "--tap", "tap0e5b2b8c-5a;id"],
        ["detach", "--tap", "tap0e5b2b8c-5a", "--tap", "tap0e5b2b8c-5b"],
        ["detach", "--tap=tap0e5b2b8c-5a"],
        ["linux-bridge", "--tap", "tap0e5b2b8c-5a", "--bridge", "--tap"],
        ["linux-bridge", "--tap", "tap0e5b2b8c-5a", "--bridge", ";vdsmdummy;"],
        ["ovs-plug", "--bridge", "br-int", "--tap", "tap0e5b2b8c-5a", "--iface-id", "x", "--mac", "52:54:00:12:34:56",
         "--vm-id", "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f"],
        ["ovs-plug", "--bridge", "br-int", "--tap", "tap0e5b2b8c-5a", "--iface-id", "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11",
         "--mac", "52:54:00:12:34:56;", "--vm-id", "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f"],
        ["--help"],
        [],
    ])
    func helperRefusesBadArgumentsEvenThroughSudo(arguments: [String]) throws {
        let helper = try #require(BuiltProducts.path("fabric-wire"))
        let sudoers = try SudoersDropIn(user: Self.user, helper: helper)
        defer { sudoers.remove() }
        let result = try asUser(["/usr/bin/sudo", "-n", helper] + arguments)
        #expect(result.status == 64, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("fabric-wire: "))
        // sudo lets the user run nothing else.
        #expect(try asUser(["/usr/bin/sudo", "-n", "/usr/bin/id"]).status != 0)
    }

    /// A killed test run leaves its drop-in behind; the next one must not pass its "sudo refuses" checks through it.
    /// A new drop-in removes those of processes that are gone (and the old unnamed ones), not those of live ones.
    @Test func dropInsOfKilledRunsAreRemovedAndLiveOnesKept() throws {
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let orphan = "/etc/sudoers.d/fabric-test-\(exited.processIdentifier)-0rphan"
        let unnamed = "/etc/sudoers.d/fabric-test-5eed0bad"
        let live = "/etc/sudoers.d/fabric-test-1-11fe"  // pid 1 always runs
        for path in [orphan, unnamed, live] {
            try "\(Self.user) ALL=(root) NOPASSWD: /usr/bin/id\n".write(toFile: path, atomically: false, encoding: .utf8)
            chmod(path, 0o440)
        }
        defer { for path in [orphan, unnamed, live] { unlink(path) } }
        #expect(Set(SudoersDropIn.orphans()) == [orphan, unnamed])

        let sudoers = try SudoersDropIn(user: Self.user)
        defer { sudoers.remove() }
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(!FileManager.default.fileExists(atPath: unnamed))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: sudoers.path))
        #expect(SudoersDropIn.orphans().isEmpty)
    }
}

enum PrivilegedHook {
    static let unavailableReason: String? = {
        if geteuid() != 0 { return "privileged path: needs root to add a sudoers drop-in" }
        for tool in ["/usr/bin/sudo", "/usr/sbin/visudo", "/usr/bin/setpriv"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "privileged path: \(tool) missing (run scripts/libvirt-setup.sh)"
        }
        if (try? ProcessRunner.run("id", [PrivilegedHookTests.user]))?.status != 0 {
            return "privileged path: user \(PrivilegedHookTests.user) missing (run scripts/libvirt-setup.sh)"
        }
        if let reason = OVSSandbox.unavailableReason { return reason }
        for product in ["fabric-wire", "after_update_device"] where BuiltProducts.path(product) == nil {
            return "\(product) not built (swift build)"
        }
        return nil
    }()
}
