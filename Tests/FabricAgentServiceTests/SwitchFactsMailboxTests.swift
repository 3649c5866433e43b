// SPDX-License-Identifier: Apache-2.0
@testable import FabricAgentService
import FabricInventory
import FabricOVSDB
import FabricPOSIX
import Testing

/// The hand-over of the switch's facts from the OVSDB monitor's thread to OVN's.
@Suite struct SwitchFactsMailboxTests {
    static let facts = OVNSwitchFacts(externalIDs: ["ovn-remote": "unix:/run/ovn/ovnsb_db.sock"], ifaceIDs: ["p1"])

    @Test func beforeAnyPostTheSwitchIsNotConnectedYet() {
        let mailbox = SwitchFactsMailbox()
        #expect(!mailbox.hasPosted)
        #expect(throws: OVSDBError.self) { try mailbox.facts.get() }
        #expect(!mailbox.changed.wait(timeout: .zero))
    }

    @Test func onlyNewFactsWakeTheReader() throws {
        let mailbox = SwitchFactsMailbox()
        mailbox.post(.success(Self.facts))
        #expect(mailbox.hasPosted)
        #expect(try mailbox.facts.get() == Self.facts)
        #expect(mailbox.changed.wait(timeout: .zero))

        mailbox.changed.reset()
        mailbox.post(.success(Self.facts))
        #expect(!mailbox.changed.wait(timeout: .zero), "the same facts again must not wake OVN's thread")

        var more = Self.facts
        more.ifaceIDs.append("p2")
        mailbox.post(.success(more))
        #expect(mailbox.changed.wait(timeout: .zero))
        #expect(try mailbox.facts.get().ifaceIDs == ["p1", "p2"])

        mailbox.changed.reset()
        mailbox.post(.failure(OVSDBError(kind: .connectionClosed, description: "monitor ended")))
        #expect(mailbox.changed.wait(timeout: .zero))
        #expect(throws: OVSDBError.self) { try mailbox.facts.get() }
    }
}
