// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import Testing

@Suite struct SysfsTests {
    let sysfs = Sysfs(files: FixtureHost.files)

    @Test func plainNICsAreTheLinksWithABackingDevice() {
        #expect(sysfs.hasDevice("eno1"))
        #expect(!sysfs.hasDevice("bond0"))
        #expect(!sysfs.hasDevice("missing0"))
    }

    @Test func speedsAreValidated() {
        #expect(sysfs.speed("eno1") == 10000)
        #expect(sysfs.speed("eno3") == nil)
        #expect(sysfs.speed("eth4") == nil)
        #expect(sysfs.speed("missing0") == nil)
    }

    @Test func bondingDetailsComeFromTheBondingFolder() throws {
        let bond = try #require(sysfs.bonding("bond0"))
        #expect(bond.mode == 1)
        #expect(bond.slaves == ["eno1", "eno2"])
        #expect(bond.activeSlave == "eno1")
        // State files are not options; values keep their last word; arp targets are comma-joined;
        // an empty attribute is left out.
        #expect(bond.options == ["miimon": "100", "lacp_rate": "0", "arp_ip_target": "10.0.0.1,10.0.0.2"])
        #expect(sysfs.bonding("eno1") == nil)
    }

    @Test func permanentMACsComeFromProcNetBonding() {
        #expect(sysfs.permanentMACs(bond: "bond0") == ["eno1": "3c:fd:fe:10:20:30", "eno2": "3c:fd:fe:10:20:31"])
        #expect(sysfs.permanentMACs(bond: "bond9").isEmpty)
    }
}
