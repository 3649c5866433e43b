// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import FabricInventory
import FabricNetlink
import FabricOVSDB

/// Where the inventory reads the host from; shared by every command that builds the table.
struct InventoryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The Open vSwitch database socket.", valueName: "unix:PATH"))
    var ovsdb: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read the links of the network namespace /run/netns/NAME (sysfs is still this process's).",
        valueName: "NAME"))
    var netns: String?

    @Option(name: .long, help: ArgumentHelp(
        "Prefix for every host file read (VDSM config, Neutron config, sysfs, procfs).", valueName: "PATH"))
    var root: String = ""

    @Option(name: .long, help: "The Neutron Open vSwitch agent's configuration file.")
    var neutronOVSAgentConfig: String = NeutronAgentConfig.defaultOVSAgentPath

    @Option(name: .long, help: "The Neutron Linux bridge agent's configuration file.")
    var neutronLinuxbridgeAgentConfig: String = NeutronAgentConfig.defaultLinuxBridgeAgentPath

    @Option(name: .long, help: ArgumentHelp("Seconds an OVSDB request may take.", valueName: "SECONDS"))
    var ovsdbTimeout: Double = 2

    func validate() throws {
        if let ovsdb {
            do { _ = try OVSDBEndpoint(parsing: ovsdb) } catch { throw ValidationError("--ovsdb: \(error)") }
        }
        if let netns, netns.isEmpty || netns.contains("/") {
            throw ValidationError("--netns: '\(netns)' is not a namespace name")
        }
        guard ovsdbTimeout > 0, ovsdbTimeout <= 60 else {
            throw ValidationError("--ovsdb-timeout must be between 0 and 60 seconds")
        }
    }

    var endpoint: OVSDBEndpoint {
        ovsdb.flatMap { try? OVSDBEndpoint(parsing: $0) } ?? .fromEnvironment()
    }

    var tableBuilder: HostTableBuilder {
        HostTableBuilder(
            files: HostFiles(root: root), ovsAgentConfigPath: neutronOVSAgentConfig,
            linuxBridgeAgentConfigPath: neutronLinuxbridgeAgentConfig)
    }

    func openNetlink() throws(NetlinkError) -> NetlinkSocket {
        if let netns { return try NetlinkSocket(networkNamespace: "/run/netns/\(netns)") }
        return try NetlinkSocket()
    }

    /// The OVS database's view, or why it could not be had; never throws, since the table prints
    /// without it.
    func readSwitch() -> (SwitchState?, HostTable.OVSDBStatus) {
        let endpoint = endpoint
        do {
            var client = try OVSDBClient(endpoint: endpoint, timeout: .milliseconds(Int(ovsdbTimeout * 1000)))
            let state = try client.switchState()
            return (state, HostTable.OVSDBStatus(endpoint: endpoint.description, reachable: true))
        } catch {
            return (nil, HostTable.OVSDBStatus(endpoint: endpoint.description, reachable: false, error: "\(error)"))
        }
    }
}
