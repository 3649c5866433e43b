// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import Testing

@Suite struct VDSMNetworksTests {
    @Test func theRunningTreeIsReadAndUnusableFilesBecomeWarnings() throws {
        let config = VDSMNetworkConfig.load(files: FixtureHost.files)
        #expect(config.source == VDSMNetworkConfig.runningTree)
        #expect(config.networks.map(\.name) == ["display", "ovirtmgmt", "storage"])
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("nets/broken") == true)

        let management = try #require(config.networks.first { $0.name == "ovirtmgmt" })
        #expect(management.bonding == "bond0")
        #expect(management.vlan == 100)
        #expect(management.bridged)
        #expect(management.southbound == "bond0.100")
        #expect(management.devices == ["ovirtmgmt", "bond0.100", "bond0"])

        let storage = try #require(config.networks.first { $0.name == "storage" })
        #expect(storage.bridged == false)
        #expect(storage.devices == ["eno3"])

        // Strings where numbers and booleans belong, as older VDSM versions wrote them.
        let display = try #require(config.networks.first { $0.name == "display" })
        #expect(display.vlan == 200)
        #expect(display.bridged)

        #expect(config.bonds == [VDSMBond(name: "bond0", nics: ["eno1", "eno2"], options: "mode=1 miimon=100")])
    }

    @Test func thePersistedTreeIsTheFallback() {
        let config = VDSMNetworkConfig.load(
            files: FixtureHost.files, trees: ["/var/lib/vdsm/nothing-here", VDSMNetworkConfig.persistedTree])
        #expect(config.source == VDSMNetworkConfig.persistedTree)
        #expect(config.networks == [VDSMNetwork(name: "old", nic: "eno9", bridged: true)])
    }

    @Test func aHostWithoutVDSMHasNoNetworksAndNoWarnings() {
        let config = VDSMNetworkConfig.load(files: HostFiles(root: "/nonexistent-fabric-root"))
        #expect(config.networks.isEmpty)
        #expect(config.source == nil)
        #expect(config.warnings.isEmpty)
    }
}
