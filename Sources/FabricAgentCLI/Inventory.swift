// SPDX-License-Identifier: Apache-2.0
import FabricAgentSettings
import FabricInventory
import FabricNetlink
import FabricOVSDB
import FabricTLS

/// Where `show` reads the host from: the settings it shares with `serve` (``InventorySettings``), given as
/// flags from ``AgentSettings``'s table and checked by the same code as the daemon's.
struct Inventory {
    var settings: InventorySettings

    /// Parses `--KEY VALUE` flags of the settings `show` takes.
    init(flags arguments: [String]) throws(SettingError) {
        settings = InventorySettings()
        let values = try AgentSettings.flagValues(arguments, for: .show)
        for key in InventorySettings.keys {
            if let value = values[key] { try settings.set(key, value, source: "--\(key)") }
        }
        _ = try settings.ovnTLSFiles()
    }

    var tableBuilder: HostTableBuilder { settings.tableBuilder }

    var agentsProbe: ProviderAgentsProbe { settings.agentsProbe(ovsdb: settings.endpoint) }

    func openNetlink() throws(NetlinkError) -> NetlinkSocket {
        if let netns = settings.netns { return try NetlinkSocket(networkNamespace: "/run/netns/\(netns)") }
        return try NetlinkSocket()
    }

    /// The OVS database's view, or why it could not be had; never throws, since the table prints
    /// without it.
    func readSwitch() -> (SwitchState?, HostTable.OVSDBStatus) {
        let endpoint = settings.endpoint
        do {
            var client = try OVSDBClient(endpoint: endpoint, timeout: .milliseconds(Int(settings.ovsdbTimeout * 1000)))
            let state = try client.switchState()
            return (state, HostTable.OVSDBStatus(endpoint: endpoint.description, reachable: true))
        } catch {
            return (nil, HostTable.OVSDBStatus(endpoint: endpoint.description, reachable: false, error: "\(error)"))
        }
    }

    /// OVN's southbound database and ovn-controller's health, read once (`OVN_RUNDIR` or `/run/ovn`).
    func readOVN() -> OVNObservation {
        var observer = OVNObserver(
            switchEndpoint: settings.endpoint, runDirectory: OVNControllerStatus.defaultRunDirectory(),
            timeout: .milliseconds(Int(settings.ovsdbTimeout * 1000)), tlsFiles: try? settings.ovnTLSFiles(),
            secureLayer: { OVSDBTLSLayer.factory($0) })
        return observer.observe()
    }
}
