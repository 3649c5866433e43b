// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A network namespace created with `ip netns add` for one test, so tests never touch the host's links.
/// Delete it in a `defer` (``delete()``); `deinit` deletes it too, so a failed `#require` cannot leak it.
public final class NetworkNamespaceFixture {
    /// The namespace name, `<prefix>-<random>`.
    public let name: String
    private var deleted = false

    /// `/run/netns/<name>`, what `setns` needs.
    public var path: String { "/run/netns/\(name)" }

    /// Whether this process can create namespaces: it runs as root and iproute2's `ip` is installed.
    public static var isSupported: Bool {
        geteuid() == 0 && ProcessRunner.which("ip") != nil
    }

    /// Creates a fresh namespace named `<prefix>-<8 random hex digits>`.
    public init(prefix: String = "fabric-nl") throws {
        name = "\(prefix)-\(String(UInt32.random(in: .min ... .max), radix: 16))"
        try ProcessRunner.checkedOutput("ip", ["netns", "add", name])
    }

    /// Runs `ip -n <name> <arguments…>` and returns standard output; throws unless it exits 0.
    @discardableResult
    public func ip(_ arguments: String...) throws -> String {
        try ip(arguments)
    }

    /// Runs `ip -n <name> <arguments>` and returns standard output; throws unless it exits 0.
    @discardableResult
    public func ip(_ arguments: [String]) throws -> String {
        String(decoding: try ProcessRunner.checkedOutput("ip", ["-n", name] + arguments), as: UTF8.self)
    }

    /// Runs `ip -n <name> -batch <file>` over the given lines (one `ip` command each, without `ip`).
    public func ipBatch(_ lines: [String]) throws {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString).batch")
        try lines.joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try ProcessRunner.checkedOutput("ip", ["-n", name, "-batch", file.path])
    }

    /// Starts `ip -n <name> -batch <file>` over the lines and returns at once, for changes a test reads while they
    /// are made; ``BackgroundProcess/waitUntilExit()`` gives `ip`'s status. `file` is written here, and the caller
    /// removes it once `ip` has exited (it reads the file as it goes).
    public func startBatch(_ lines: [String], file: String) throws -> BackgroundProcess {
        try lines.joined(separator: "\n").appending("\n").write(toFile: file, atomically: true, encoding: .utf8)
        return try BackgroundProcess("ip", ["-n", name, "-batch", file])
    }

    /// Runs `<command…>` inside the namespace (`ip netns exec`) and returns standard output; throws unless it
    /// exits 0.
    @discardableResult
    public func exec(_ command: String...) throws -> String {
        String(decoding: try ProcessRunner.checkedOutput("ip", ["netns", "exec", name] + command), as: UTF8.self)
    }

    /// Deletes the namespace (`ip netns del`); links inside it go with it. Safe to call more than once.
    public func delete() {
        guard !deleted else { return }
        deleted = true
        _ = try? ProcessRunner.run("ip", ["netns", "del", name])
    }

    deinit {
        delete()
    }
}
