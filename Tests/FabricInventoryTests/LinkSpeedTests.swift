// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import Testing

@Suite struct LinkSpeedTests {
    @Test(arguments: [
        ("10000\n", 10000), ("1000", 1000), ("-1\n", nil), ("0", nil), ("65535", nil), ("4294967295", nil),
        ("", nil), ("garbage", nil), (" 25000 \n", 25000),
    ] as [(String, Int?)])
    func sysfsSpeedIsValidatedLikeVDSM(text: String, expected: Int?) {
        #expect(LinkSpeed.parse(sysfsText: text) == expected)
    }

    @Test func activeBackupBondTakesTheActiveSlavesSpeed() {
        let slaves: [(name: String, speed: Int?)] = [("a", 1000), ("b", 10000)]
        #expect(LinkSpeed.bond(mode: 1, slaveSpeeds: slaves, activeSlave: "b") == 10000)
        #expect(LinkSpeed.bond(mode: 1, slaveSpeeds: slaves, activeSlave: nil) == nil)
        #expect(LinkSpeed.bond(mode: 1, slaveSpeeds: slaves, activeSlave: "gone") == nil)
    }

    @Test func broadcastBondTakesTheSlowestSlave() {
        #expect(LinkSpeed.bond(mode: 3, slaveSpeeds: [("a", 1000), ("b", 10000), ("c", nil)], activeSlave: nil) == 1000)
    }

    @Test(arguments: [0, 2, 4, 5, 6])
    func aggregatingBondModesSumTheKnownSlaves(mode: Int) {
        #expect(LinkSpeed.bond(mode: mode, slaveSpeeds: [("a", 10000), ("b", 10000), ("c", nil)], activeSlave: nil) == 20000)
        #expect(LinkSpeed.bond(mode: mode, slaveSpeeds: [("a", nil)], activeSlave: nil) == nil)
        #expect(LinkSpeed.bond(mode: mode, slaveSpeeds: [], activeSlave: nil) == nil)
    }
}
