// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: `/etc/fabric/hooks.conf` as the hooks and fabric-wire parse it. Oracles: nothing crashes, and
// a file that parses names only bridges `fabric-wire` would accept (the hooks must never plan what the helper
// refuses). That errors never quote the file is HookSettingsTests' job: a fuzzer's input can spell fabric's own
// words, so no byte-level oracle tells a quote from a message.
import FuzzSupport
import VDSMHook

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHooksConf(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard let settings = try? HookSettings(parsing: bytes, origin: "hooks.conf") else { return 0 }
    for bridge in [settings.integrationBridge] + settings.linuxBridges {
        require(HostNames.isBridgeName(bridge), "hooks.conf accepted bridge \(bridge), a name fabric-wire refuses")
    }
    return 0
}
