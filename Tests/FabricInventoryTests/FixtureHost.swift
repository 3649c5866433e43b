// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import Foundation

/// The fixture host tree (a fake `/` with VDSM, Neutron, sysfs and procfs files).
enum FixtureHost {
    static var root: String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("host1").path
    }

    static var files: HostFiles { HostFiles(root: root) }
}
