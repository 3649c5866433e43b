// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// When a call must be answered: one instant for every request of an operation (a write that reads,
/// then commits, then perhaps retries), so the operation as a whole keeps the caller's timeout.
struct CallDeadline {
    /// The timeout the caller gave, for error messages.
    let budget: Duration
    let instant: MonotonicInstant

    init(budget: Duration) {
        self.budget = budget
        instant = MonotonicInstant.now.advanced(by: budget)
    }
}
