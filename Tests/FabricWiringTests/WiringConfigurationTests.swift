// SPDX-License-Identifier: Apache-2.0
import FabricWiring
import Foundation
import Testing

@Suite struct WiringConfigurationTests {
    @Test func parsesCommentsBlanksAndSpaces() throws {
        let text = "# fabric hooks\n\n  integration_bridge =  br-ovn \n"
        #expect(try WiringConfiguration(parsing: text).integrationBridge == "br-ovn")
    }

    @Test(arguments: [
        ("bridge = br0", "bridge"),
        ("integration_bridge", "line 1"),
        ("integration_bridge = has space", "integration_bridge"),
        ("integration_bridge = sixteen-chars-xx", "integration_bridge"),
        ("integration_bridge =", "integration_bridge"),
        // Names fabric-wire would refuse are refused here too, not found out at the first VM start.
        ("integration_bridge = br@int", "integration_bridge"),
        ("integration_bridge = -br", "integration_bridge"),
    ])
    func badFilesNameTheKeyOrLine(text: String, named: String) {
        let error = #expect(throws: WiringError.self) { try WiringConfiguration(parsing: text, origin: "/x.conf") }
        #expect(error?.message.contains(named) == true)
        #expect(error?.message.contains("/x.conf") == true)
    }

    @Test func environmentOverridesFileAndMissingFileMeansDefaults() throws {
        let missing = ["FABRIC_HOOKS_CONF": "/nonexistent/hooks.conf"]
        #expect(try WiringConfiguration.load(environment: missing).integrationBridge == "br-int")
        let file = NSTemporaryDirectory() + "hooks-\(UUID().uuidString).conf"
        try "integration_bridge=br-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try WiringConfiguration.load(environment: ["FABRIC_HOOKS_CONF": file]).integrationBridge == "br-file")
        let both = ["FABRIC_HOOKS_CONF": file, "FABRIC_INTEGRATION_BRIDGE": "br-env"]
        #expect(try WiringConfiguration.load(environment: both).integrationBridge == "br-env")
        #expect(throws: WiringError.self) {
            try WiringConfiguration.load(environment: ["FABRIC_HOOKS_CONF": file, "FABRIC_INTEGRATION_BRIDGE": "a/b"])
        }
    }
}
