// SPDX-License-Identifier: Apache-2.0
@testable import FabricAgentService
import FabricInventory
import FabricOVSDB
import FabricPOSIX
import Synchronization
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

    /// The monitor's thread posts while OVN's reads, as in the agent: every read is one whole posted value. Under
    /// ThreadSanitizer (`make sanitize`) the contention is the point: a lock it cannot see (a contended
    /// `Synchronization.Mutex` on Linux) is reported as a race here.
    @Test func postsFromOneThreadReadWholeFromAnother() throws {
        let mailbox = SwitchFactsMailbox()
        var other = Self.facts
        other.ifaceIDs = (0..<32).map { "port-\($0)" }
        let posted = [Self.facts, other]
        let finished = Atomic<Bool>(false)
        WorkerThread.start(name: "test-poster") {
            for round in 0..<20_000 { mailbox.post(.success(posted[round % 2])) }
            finished.store(true, ordering: .releasing)
        }
        var reads = 0
        while !finished.load(ordering: .acquiring) || reads == 0 {
            guard mailbox.hasPosted else { continue }
            let facts = try mailbox.facts.get()
            #expect(posted.contains(facts))
            reads += 1
        }
        #expect(try mailbox.facts.get() == posted[1], "the last post wins")
    }
}
