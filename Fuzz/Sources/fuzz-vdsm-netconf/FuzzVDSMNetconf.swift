// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: VDSM's persisted network configuration (`nets/<name>`, `bonds/<name>` JSON files) as the
// inventory reads it. Each input is written as one network's file and one bond's. Oracles: nothing crashes;
// each file becomes exactly one network (or bond) or exactly one warning, never both, never neither.
import FabricInventory
import FuzzSupport

let tree = "/netconf"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVDSMNetconf(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    ScratchFiles.write(bytes, to: "\(tree)/nets/ovirtmgmt")
    ScratchFiles.write(bytes, to: "\(tree)/bonds/bond0")
    let config = VDSMNetworkConfig.load(files: HostFiles(root: ScratchFiles.root), trees: [tree])
    require(config.source == tree, "the tree was not read: \(config)")
    require(config.networks.count + config.bonds.count + config.warnings.count == 2, "files lost or doubled: \(config)")
    for network in config.networks {
        require(network.name == "ovirtmgmt", "a network named \(network.name) from nets/ovirtmgmt")
        _ = network.devices  // the table's view of it: bridge, VLAN, bond or NIC
    }
    return 0
}
