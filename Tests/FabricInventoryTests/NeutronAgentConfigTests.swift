// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import Testing

@Suite struct NeutronAgentConfigTests {
    @Test func bothAgentFilesAreRead() {
        let config = NeutronAgentConfig.load(files: FixtureHost.files)
        #expect(config.integrationBridge == "br-int")
        #expect(config.tunnelBridge == "br-tun")
        // A continuation line is part of the value; a malformed entry is skipped with a warning.
        #expect(config.ovsBridgeMappings == ["physnet1": "br-phys", "physnet2": "br-ex"])
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("broken-entry") == true)
        #expect(config.linuxBridgeInterfaceMappings == ["provider": "eth4"])
        #expect(config.linuxBridgeBridgeMappings == ["extnet": "br-ext"])
    }

    @Test func configurablePathsAndMissingFilesGiveDefaults() {
        let config = NeutronAgentConfig.load(
            files: FixtureHost.files, ovsAgentPath: "/etc/none.ini", linuxBridgeAgentPath: "/etc/none2.ini")
        #expect(config == NeutronAgentConfig())
    }
}
