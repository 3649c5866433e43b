// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import HostWiring
import WiringRules
import Foundation
import Testing

@Suite struct HostChangeArgumentsTests {
    static let port = PortID("0E5B2B8C-5A3F-4B53-9D7A-1F2F0E6C1A11")!
    static let vm = PortID("5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f")!

    static let changes: [HostChange] = [
        .plugOVS(try! .init(bridge: "br-int", tap: "tap0e5b2b8c-5a", ifaceID: port, mac: "52:54:00:AB:CD:EF", vmID: vm)),
        .enslave(tap: "tap0e5b2b8c-5a", bridge: "brq1c9d0f7a-2b"),
        .detachFromPlaceholder(tap: "tap0e5b2b8c-5a"),
    ]

    @Test(arguments: changes)
    func argumentsRoundTrip(change: HostChange) throws {
        #expect(try HostChange(wireArguments: change.wireArguments) == change)
    }

    @Test func plugArgumentsAreNormalised() {
        #expect(
            Self.changes[0].wireArguments == [
                "ovs-plug", "--bridge", "br-int", "--tap", "tap0e5b2b8c-5a", "--iface-id",
                "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11", "--mac", "52:54:00:ab:cd:ef", "--vm-id",
                "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f",
            ])
    }

    @Test func optionOrderDoesNotMatter() throws {
        let change = try HostChange(wireArguments: ["linux-bridge", "--bridge", "brq1c9d0f7a-2b", "--tap", "tap0e5b2b8c-5a"])
        #expect(change == Self.changes[1])
    }

    @Test(arguments: [
        ([], "verb"),
        (["rm"], "unknown verb"),
        (["detach"], "needs --tap"),
        (["detach", "--tap"], "needs a value"),
        (["detach", "--tap", "eth0"], "not a fabric tap name"),
        (["detach", "--tap", "TAP0E5B2B8C-5A"], "not a fabric tap name"),
        (["detach", "--tap", "tap0e5b2b8c;id"], "not a fabric tap name"),
        (["detach", "--tap", "tap0e5b2b8c-5a", "--tap", "tap0e5b2b8c-5a"], "given twice"),
        (["detach", "--tap=tap0e5b2b8c-5a"], "does not take"),
        (["detach", "--tap", "tap0e5b2b8c-5a", "extra"], "does not take"),
        (["detach", "--bridge", "br0", "--tap", "tap0e5b2b8c-5a"], "does not take"),
        (["linux-bridge", "--tap", "tap0e5b2b8c-5a", "--bridge", "--tap"], "not a usable bridge name"),
        (["linux-bridge", "--tap", "tap0e5b2b8c-5a", "--bridge", ";vdsmdummy;"], "not a usable bridge name"),
        (["linux-bridge", "--tap", "tap0e5b2b8c-5a", "--bridge", "br0$(id)"], "not a usable bridge name"),
        (["linux-bridge", "--tap", "tap0e5b2b8c-5a", "--bridge", "a-very-long-bridge-name"], "not a usable bridge name"),
        (["ovs-plug", "--bridge", "br-int", "--tap", "tap0e5b2b8c-5a", "--iface-id", "nope", "--mac", "52:54:00:ab:cd:ef",
          "--vm-id", "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f"], "--iface-id"),
        (["ovs-plug", "--bridge", "br-int", "--tap", "tap0e5b2b8c-5a", "--iface-id", "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11",
          "--mac", "52:54:00:ab:cd", "--vm-id", "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f"], "--mac"),
        (["ovs-plug", "--bridge", "br-int", "--tap", "tap0e5b2b8c-5a", "--iface-id", "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11",
          "--mac", "52:54:00:ab:cd:ef"], "needs --vm-id"),
    ])
    func rejectsAnythingElse(arguments: [String], reason: String) {
        #expect {
            try HostChange(wireArguments: arguments)
        } throws: { error in
            guard let error = error as? WireError else { return false }
            return error.kind == .usage && error.exitCode == 64 && error.message.contains(reason)
        }
    }

    @Test func controlCharactersNeverReachTheMessage() throws {
        #expect {
            try HostChange(wireArguments: ["detach", "--tap", "tap\nfake log line"])
        } throws: { error in
            let message = (error as? WireError)?.message ?? ""
            return !message.contains("\n") && message.contains("\\u{a}")
        }
    }

    /// The built helper: usage errors exit 64 with one line before touching anything.
    @Test(.enabled(if: BuiltProducts.path("fabric-wire") != nil, "fabric-wire not built"))
    func builtHelperExitsSixtyFourOnBadArguments() throws {
        let result = try ProcessRunner.run(try #require(BuiltProducts.path("fabric-wire")), ["detach", "--tap", "x; reboot"])
        #expect(result.status == 64)
        #expect(result.standardError.hasPrefix("fabric-wire: ") && result.standardError.filter { $0 == "\n" }.count == 1)
    }
}
