// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

struct FabricAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fabric-agent")
    func run() async throws {}
}

/// The `fabric-agent` entry point; the executable target only calls this.
public enum FabricAgent {
    public static func main() async {
        await FabricAgentCommand.main()
    }
}
