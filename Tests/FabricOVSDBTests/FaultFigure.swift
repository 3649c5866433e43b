// SPDX-License-Identifier: Apache-2.0

/// A figure a fault-injection test measured, printed as a `fault figure:` line so a run's log holds
/// what docs/RELIABILITY.md quotes (`swift test … | grep 'fault figure'`).
enum FaultFigure {
    static func record(_ figure: String) {
        print("fault figure: \(figure)")
    }
}
