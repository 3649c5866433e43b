// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import FabricInventory

struct FabricAgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fabric-agent",
        abstract: "The fabric-aware host interface table of an oVirt host.",
        discussion: """
            Shows which network fabric implements every interface of this host: VDSM's own networking, \
            or an external network provider through Open vSwitch, OVN or the Linux bridge agent.
            """,
        version: FabricRelease.version,
        subcommands: [ShowCommand.self, NetworkCommand.self, ServeSubcommand.self],
        defaultSubcommand: ShowCommand.self
    )
}

/// The `fabric-agent` entry point; the executable target only calls this. Synchronous, like every subcommand
/// (`serve` execs the daemon): an async entry point started Swift's concurrency runtime and libdispatch's
/// threads for every `show`.
public enum FabricAgent {
    public static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `fabric-agent show …` parses with ShowCommand alone: ArgumentParser reflects every command of the tree
        // it is given, which was a third of a `show`'s start. Anything that does not parse that way (help, a
        // mistake) goes to the whole tree, which prints it as `fabric-agent show` would.
        if arguments.first == "show", let show = try? ShowCommand.parse(Array(arguments.dropFirst())) {
            do {
                try show.run()
            } catch {
                FabricAgentCommand.exit(withError: error)
            }
            return
        }
        FabricAgentCommand.main(arguments)
    }
}
