// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The sanitizer the suite runs under: `scripts/sanitize.sh` sets `FABRIC_TEST_SANITIZER` (`address`, `thread`)
/// for the test process. Measurements of a process's memory mean nothing then: the peak is mostly the
/// sanitizer's own (shadow memory, redzones, the quarantine of freed blocks).
public enum TestSanitizer {
    /// `address` or `thread`, or `nil` in a normal run.
    public static var name: String? {
        guard let name = ProcessInfo.processInfo.environment["FABRIC_TEST_SANITIZER"], !name.isEmpty else { return nil }
        return name
    }
}
