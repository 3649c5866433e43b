// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: `/etc/fabric/agent.conf` as `fabric-agent serve` resolves it (the file alone: no flags, no
// environment). Oracles: nothing crashes; what resolves resolves again to the same settings, within the ranges
// the agent documents, never with half a TLS configuration.
import FabricAgentService
import FabricAgentSettings
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAgentConf(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = ScratchFiles.write(inputBytes(data, size), to: "agent.conf")
    let resolved = Result { () throws(AgentConfigurationError) in
        try AgentConfiguration.resolve(flags: [:], environment: [:], configPath: path)
    }
    guard case .success(let configuration) = resolved else { return 0 }
    let again = try? AgentConfiguration.resolve(flags: [:], environment: [:], configPath: path)
    require(again == configuration, "the same file resolved twice to different settings")
    require((0.1...3600).contains(configuration.sampleInterval), "sample-interval \(configuration.sampleInterval)")
    require((0.05...60).contains(configuration.inventory.ovsdbTimeout), "ovsdb-timeout \(configuration.inventory.ovsdbTimeout)")
    require(
        AgentConfiguration.netlinkReceiveBufferRange.contains(configuration.netlinkReceiveBuffer),
        "netlink-receive-buffer \(configuration.netlinkReceiveBuffer)")
    require((configuration.tlsCertificate == nil) == (configuration.tlsKey == nil), "half a TLS configuration")
    return 0
}
