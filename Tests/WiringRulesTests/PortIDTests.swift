// SPDX-License-Identifier: Apache-2.0
import WiringRules
import Testing

@Suite struct PortIDTests {
    @Test func uppercaseIsNormalisedAndNamesAreFourteenCharacters() throws {
        let id = try #require(PortID("0E5B2B8C-5A3F-4B53-9D7A-1F2F0E6C1A11"))
        #expect(id.uuid == "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11")
        #expect(id.tapName == "tap0e5b2b8c-5a")
        #expect(id.tapName.count == 14)
        #expect(id.linuxBridgeName == "brq0e5b2b8c-5a")
    }

    @Test(arguments: [
        "", "abc", "0e5b2b8c5a3f4b539d7a1f2f0e6c1a11", "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a1g",
        " 0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11", "0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11\n",
        "{0e5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a11}", "0e5b2b8c_5a3f_4b53_9d7a_1f2f0e6c1a11", "0é5b2b8c-5a3f-4b53-9d7a-1f2f0e6c1a1",
    ])
    func nonUUIDsAreRejected(text: String) {
        #expect(PortID(text) == nil)
    }
}
