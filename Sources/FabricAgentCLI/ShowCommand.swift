// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
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
            """
    )

    @OptionGroup var inventory: InventoryOptions

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
    }

    func run() throws {
        let table: HostTable
        do {
            table = try collect()
        } catch {
            writeStandardError("fabric-agent: cannot read the host's links over netlink: \(error)\n")
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(table)
            writeStandardOutput(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            writeStandardOutput(TableRenderer.render(table))
        }
    }

    private func collect() throws(NetlinkError) -> HostTable {
        let socket = try inventory.openNetlink()
        var earlier: HostTableBuilder.Sample?
        if !noRates {
            earlier = HostTableBuilder.Sample(snapshot: try socket.snapshot())
            sleep(seconds: interval)
        }
        let sample = HostTableBuilder.Sample(snapshot: try socket.snapshot())
        let (switchState, ovsdb) = inventory.readSwitch()
        return inventory.tableBuilder.table(sample: sample, earlier: earlier, switchState: switchState, ovsdb: ovsdb)
    }
}

/// Sleeps the whole interval, also when a signal interrupts it.
func sleep(seconds: Double) {
    var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&pause, &remaining) != 0 && errno == EINTR {
        pause = remaining
    }
}

func writeStandardOutput(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}

func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress!, bytes.count) }
}
