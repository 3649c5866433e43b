// SPDX-License-Identifier: Apache-2.0
import FabricPOSIX
import ArgumentParser
import FabricAgentSettings
import FabricInventory
import FabricNetlink
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
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
        let table: HostTable
        do {
            table = try collect()
        } catch {
            StandardError.write("fabric-agent: cannot read the host's links over netlink: \(error)\n")
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(table)
            StandardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            StandardOutput.write(TableRenderer.render(table))
        }
    }

    private func collect() throws(NetlinkError) -> HostTable {
        // validate() has parsed the settings already.
        let inventory = try! Inventory(flags: settings)
        let socket = try inventory.openNetlink()
        var rates = RateWindow()
        if !noRates {
            rates.add(RateWindow.Reading(HostTableBuilder.Sample(snapshot: try socket.snapshot())))
            sleepThrough(.nanoseconds(Int64(interval * 1e9)))
        }
        let sample = HostTableBuilder.Sample(snapshot: try socket.snapshot())
        let (switchState, ovsdb) = inventory.readSwitch()
        var table = inventory.tableBuilder.table(sample: sample, switchState: switchState, ovsdb: ovsdb)
        if !noRates {
            rates.add(RateWindow.Reading(sample))
            rates.apply(to: &table)
        }
        return table
    }
}
