// SPDX-License-Identifier: Apache-2.0
import FabricPOSIX
import ArgumentParser

internal import Glibc

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
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return installed }
        let executable = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return installed }
        let sibling = String(executable[...slash]) + "fabric-agentd"
        return access(sibling, X_OK) == 0 ? sibling : installed
    }

    func run() throws {
        let daemon = Self.daemonPath()
        let argv = [daemon] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        execv(daemon, &cArguments)
        let reason = String(cString: strerror(errno))
        cArguments.forEach { free($0) }
        StandardError.write("fabric-agent: cannot start the agent daemon \(daemon): \(reason)\n")
        throw ExitCode(1)
    }
}
