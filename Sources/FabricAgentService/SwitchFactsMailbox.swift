// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricOVSDB
import FabricPOSIX
import NIOConcurrencyHelpers

/// The local switch's facts OVN's lookups need, as the agent's OVSDB monitor last saw them: posted from the
/// monitor's thread, read by OVN's, so OVN's poll opens no connection of its own to the switch.
public final class SwitchFactsMailbox: Sendable {
    /// `nil` until the monitor first connects or fails. A pthread lock, not `Synchronization.Mutex`: on Linux a
    /// contended `Mutex` is taken by the futex system call, which ThreadSanitizer does not see, so it reports the
    /// value as raced.
    private let latest = NIOLockedValueBox<Result<OVNSwitchFacts, OVSDBError>?>(nil)
    /// Signalled when posted facts differ from the previous ones, so OVN is read again at once (a new vNIC's
    /// network name, a new `ovn-remote`) and not at the next poll.
    let changed: WakeSignal

    public init() {
        // An eventfd fails only without file descriptors left; the agent could not serve anything then.
        guard let changed = try? WakeSignal() else { fatalError("cannot create an eventfd: \(Errno.current)") }
        self.changed = changed
    }

    func post(_ facts: Result<OVNSwitchFacts, OVSDBError>) {
        let isNew = latest.withLockedValue { current in
            defer { current = facts }
            return current != facts
        }
        if isNew { changed.signal() }
    }

    /// Whether the monitor posted anything yet.
    var hasPosted: Bool { latest.withLockedValue { $0 != nil } }

    /// The newest facts, or why the switch could not be read.
    var facts: Result<OVNSwitchFacts, OVSDBError> {
        latest.withLockedValue { $0 } ?? .failure(OVSDBError(kind: .unreachable, description: "not connected yet"))
    }
}
