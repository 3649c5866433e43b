// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the Neutron agents' INI files as the inventory reads them. The input is cut at the first
// NUL into the Open vSwitch agent's file and the Linux bridge agent's (the same text for both without one).
// Oracles: nothing crashes; every mapping read has a trimmed, non-empty network and device; the bridges read
// are never empty.
import FabricInventory
import FuzzSupport

let ovsAgentPath = "/openvswitch_agent.ini"
let linuxBridgeAgentPath = "/linuxbridge_agent.ini"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNeutronINI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let cut = bytes.firstIndex(of: 0)
    ScratchFiles.write(Array(bytes[..<(cut ?? bytes.count)]), to: ovsAgentPath)
    ScratchFiles.write(cut.map { Array(bytes[($0 + 1)...]) } ?? bytes, to: linuxBridgeAgentPath)
    let config = NeutronAgentConfig.load(
        files: HostFiles(root: ScratchFiles.root), ovsAgentPath: ovsAgentPath, linuxBridgeAgentPath: linuxBridgeAgentPath)
    require(!config.integrationBridge.isEmpty && !config.tunnelBridge.isEmpty, "an empty bridge name: \(config)")
    let mappings = [config.ovsBridgeMappings, config.linuxBridgeInterfaceMappings, config.linuxBridgeBridgeMappings]
    for (network, device) in mappings.joined() {
        require(isTrimmedWord(network) && isTrimmedWord(device), "mapping \"\(network)\" → \"\(device)\"")
    }
    return 0
}

func isTrimmedWord(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
    return !first.properties.isWhitespace && !last.properties.isWhitespace
}
