// SPDX-License-Identifier: Apache-2.0
import FabricPOSIX
import ArgumentParser

/// `fabric-agent serve`: replaces this process with the daemon, `fabric-agentd`, passing every argument
/// on (same pid, environment and descriptors, so systemd's `NOTIFY_SOCKET` and signals reach it).
///
/// The daemon is its own executable because it carries the HTTP server, TLS, the HTTP client and the
/// metrics library: linked into `fabric-agent`, their type metadata made every `fabric-agent show`
/// start slower (the Swift runtime scans all protocol conformances of the binary at the first
/// dynamic cast).
struct ServeSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the host agent: keep the table current and serve it over HTTP.",
        discussion: "Runs fabric-agentd with these arguments; `fabric-agent serve --help` lists its options."
    )

    @Argument(parsing: .captureForPassthrough, help: "The daemon's options (see --help).")
    var arguments: [String] = []

    /// Beside this executable (a build folder), else where `make install` puts it.
    static func daemonPath() -> String {
        let installed = "/usr/libexec/fabric/fabric-agentd"
        guard let executable = FileSystem.symbolicLinkTarget("/proc/self/exe") else { return installed }
        guard let slash = executable.lastIndex(of: "/") else { return installed }
        let sibling = String(executable[...slash]) + "fabric-agentd"
        return FileSystem.executeError(sibling) == nil ? sibling : installed
    }

    func run() throws {
        let daemon = Self.daemonPath()
        let argv = [daemon] + arguments
        let reason = HostSystem.replaceProcess(with: daemon, arguments: argv)
        StandardError.write("fabric-agent: cannot start the agent daemon \(daemon): \(reason)\n")
        throw ExitCode(1)
    }
}
