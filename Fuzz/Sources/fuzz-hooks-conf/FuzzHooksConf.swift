// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: `/etc/fabric/hooks.conf` as the hooks parse it. Oracles: nothing crashes, and a file that
// parses names only a bridge `fabric-wire` would accept (the hooks must never plan what the helper refuses).
import FabricWiring
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHooksConf(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: inputBytes(data, size), as: UTF8.self)
    guard let configuration = try? WiringConfiguration(parsing: text, origin: "hooks.conf") else { return 0 }
    let bridge = configuration.integrationBridge
    require(HostNames.isBridgeName(bridge), "hooks.conf accepted integration_bridge \(bridge), a name fabric-wire refuses")
    return 0
}
