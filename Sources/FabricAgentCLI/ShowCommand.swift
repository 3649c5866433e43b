// SPDX-License-Identifier: Apache-2.0
import FabricPOSIX
import ArgumentParser
import FabricAgentSettings
import FabricInventory
import FabricNetlink
import FabricOVSDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        // Read only where ShowCommand is the root of a parse: `fabric-agent show …` (FabricAgent.main), which
        // must not look for `--generate-completion-script` (two more reflective parses, a tenth of a `show`);
        // completion scripts come from the whole tree. Help is never printed from that parse.
        _superCommandName: "fabric-agent",
        abstract: "Print the fabric-aware host interface table.",
        discussion: """
            Columns: Name | Address | MAC | Speed (Mbps) | Rx (Mbps) | Tx (Mbps) | Drops (pkts) | Bond | \
            Fabric | Network Name. Rates come from two samples --interval apart; drops are dropped packets \
            (rx+tx) in that interval. --json prints every inventory field (schema fabric.host-interfaces, \
            docs/host-table-schema.md).

            Inventory settings (the same keys as fabric-agent serve's):
            \(AgentSettings.help(for: .show))
            """
    )

    /// Where the inventory reads the host from, as `--KEY VALUE`: the settings of ``AgentSettings``'s table
    /// that `show` shares with `serve`.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Inventory settings (listed below).", valueName: "--KEY VALUE"))
    var settings: [String] = []

    @Flag(name: .long, help: "Print the versioned JSON document instead of the table.")
    var json = false

    @Flag(name: .long, help: "Show the networks this host carries (schema fabric.host-networks) instead of its interfaces.")
    var networks = false

    @Flag(name: .long, help: "One instant snapshot: no rates, cumulative drops.")
    var noRates = false

    @Option(name: .long, help: ArgumentHelp("Seconds between the two samples for rates.", valueName: "SECONDS"))
    var interval: Double = 1

    func validate() throws {
        guard interval > 0, interval <= 300 else {
            throw ValidationError("--interval must be more than 0 and at most 300 seconds")
        }
        do { _ = try Inventory(flags: settings) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        // Networks need no rates: one snapshot.
        let (table, networksDocument) = try Self.collect(
            settings: settings, interval: noRates || networks ? nil : interval, withNetworks: networks)
        if networks, let document = networksDocument {
            StandardOutput.write(json ? try Self.prettyJSON(document) : NetworkRenderer.render(document))
        } else {
            StandardOutput.write(json ? try Self.prettyJSON(table) : TableRenderer.render(table))
        }
    }

    static func prettyJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// The table (with rates between two samples `interval` seconds apart, or one snapshot) and, when asked, its
    /// networks from the same build (the provider's daemons are looked at only then). Exits 1 with one line when
    /// netlink cannot be read.
    static func collect(settings: [String], interval: Double?, withNetworks: Bool) throws -> (HostTable, HostNetworks?) {
        do {
            return try collectOrThrow(settings: settings, interval: interval, withNetworks: withNetworks)
        } catch {
            StandardError.write("fabric-agent: cannot read the host's links over netlink: \(error)\n")
            throw ExitCode(1)
        }
    }

    private static func collectOrThrow(settings: [String], interval: Double?, withNetworks: Bool) throws(NetlinkError)
        -> (HostTable, HostNetworks?)
    {
        // validate() has parsed the settings already.
        let inventory = try! Inventory(flags: settings)
        let socket = try inventory.openNetlink()
        var rates = RateWindow()
        if let interval {
            rates.add(RateWindow.Reading(HostTableBuilder.Sample(snapshot: try socket.snapshot())))
            sleepThrough(.nanoseconds(Int64(interval * 1e9)))
        }
        let sample = HostTableBuilder.Sample(snapshot: try socket.snapshot())
        let (switchState, ovsdb) = inventory.readSwitch()
        let ovn = switchState?.isControlledByOVN == true ? inventory.readOVN() : nil
        let ovnNetworks = switchState.flatMap { OVNHostView(switchState: $0, observation: ovn) }?.networkNameByPortID
        var readings = HostTableBuilder.Readings()
        var table = inventory.tableBuilder.table(
            sample: sample, switchState: switchState, ovsdb: ovsdb, ovnNetworkByPortID: ovnNetworks ?? [:],
            readings: &readings)
        if interval != nil {
            rates.add(RateWindow.Reading(sample))
            rates.apply(to: &table)
        }
        guard withNetworks else { return (table, nil) }
        let networks = HostNetworks(
            table: table, vdsm: readings.vdsm ?? VDSMNetworkConfig(), neutron: readings.neutron,
            switchState: switchState, agents: inventory.agentsProbe.agents(), ovn: ovn)
        return (table, networks)
    }
}

struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Show one network's characteristics and the interfaces that carry it.",
        discussion: """
            For a VDSM network: VLAN, NIC or bond, bridged, MTU, switch, IPv4/IPv6 configuration, default route, \
            host QoS. For every network: the host's interfaces classified into it, with the VM of each provider \
            vNIC. --json prints that network of the fabric.host-networks document (docs/host-networks-schema.md).

            Inventory settings (the same keys as fabric-agent serve's):
            \(AgentSettings.help(for: .show))
            """
    )

    @Argument(help: "The network's name (the table's Network Name column).")
    var name: String

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Inventory settings (listed below).", valueName: "--KEY VALUE"))
    var settings: [String] = []

    @Flag(name: .long, help: "Print the network as JSON.")
    var json = false

    func validate() throws {
        do { _ = try Inventory(flags: settings) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let (_, collected) = try ShowCommand.collect(settings: settings, interval: nil, withNetworks: true)
        // collect builds the networks when asked; a nil here would be a bug in it, said rather than trapped.
        guard let networks = collected else {
            StandardError.write("fabric-agent: the networks were not built\n")
            throw ExitCode(1)
        }
        guard let network = networks.network(named: name) else {
            let known = networks.networks.map(\.name)
            StandardError.write(
                "fabric-agent: this host carries no network named '\(name)'"
                    + (known.isEmpty ? "\n" : " (it carries: \(known.joined(separator: ", ")))\n"))
            throw ExitCode(1)
        }
        StandardOutput.write(json ? try ShowCommand.prettyJSON(network) : NetworkRenderer.render(network, ovn: networks.ovn))
    }
}
