// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// The VM test host: a stock Debian kernel under QEMU (TCG) that has the link types the build
/// machine's kernel lacks (bond, 802.1q VLAN, dummy, the Open vSwitch kernel datapath).
///
/// The guest sees this machine's root read-only and runs a bash script chrooted into it, so the
/// script uses this machine's `ip`, `ovs-*` and the project's own binaries. What the script writes
/// to `$FABRIC_RESULTS` comes back in ``VMRunResult``. See `scripts/vmhost/build.sh` and
/// `scripts/vmhost/run.sh` for the guest's layout.
///
/// Tests never build the VM: `make test` runs `scripts/vmhost/build.sh` first; tests gate on
/// ``isAvailable`` and show ``unavailableReason`` when skipped.
public enum VMTestHost {
    /// The repository this file belongs to (holds `scripts/vmhost/`).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // FabricTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// Where `build.sh` put the kernel and initramfs: `$VMHOST_CACHE`, else `<repo>/.vmhost`.
    public static var cacheDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["VMHOST_CACHE"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return repositoryRoot.appendingPathComponent(".vmhost", isDirectory: true)
    }

    static var runner: URL { repositoryRoot.appendingPathComponent("scripts/vmhost/run.sh") }

    /// Why the VM test host cannot run here, or nil when it can.
    public static var unavailableReason: String? {
        guard executableInPath("qemu-system-x86_64") != nil else {
            return "VM test host: qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
        }
        guard FileManager.default.isExecutableFile(atPath: runner.path) else {
            return "VM test host: \(runner.path) missing or not executable"
        }
        let cache = cacheDirectory
        for output in ["ready", "vmlinuz", "initrd.gz"] {
            let path = cache.appendingPathComponent(output).path
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size > 0 else {
                return "VM test host: kernel not built in \(cache.path) (run scripts/vmhost/build.sh)"
            }
        }
        return nil
    }

    /// Whether ``run(script:environment:timeoutSeconds:)`` can boot the VM here.
    public static var isAvailable: Bool { unavailableReason == nil }

    /// A scenario script shipped in `scripts/vmhost/scenarios/<name>.sh`.
    public static func scenario(named name: String) -> URL {
        repositoryRoot.appendingPathComponent("scripts/vmhost/scenarios/\(name).sh")
    }

    /// Boots the VM, runs `script` (bash source) inside it and powers it off.
    ///
    /// Blocks the calling thread for the whole VM cycle (about 10 s plus the script under TCG),
    /// so call it from a `.serialized` suite or once per suite.
    /// - Parameters:
    ///   - script: the bash script's text.
    ///   - environment: variables for the script; names must start with `FABRIC_` (only those
    ///     reach the guest). Paths in values must not lie under /tmp, /run or /var/tmp, which
    ///     are the guest's own tmpfs.
    ///   - timeoutSeconds: wall-clock limit for the whole VM, after which QEMU is killed.
    /// - Returns: the script's exit status, the console and the results folder.
    /// - Throws: ``VMTestHostError`` when the VM is unavailable or ends without the script's
    ///   exit status (time limit, init failure, kernel panic). A failing script is not an error.
    public static func run(
        script: String,
        environment: [String: String] = [:],
        timeoutSeconds: Int = 300
    ) throws -> VMRunResult {
        try checkForwarded(environment)
        let job = FileManager.default.temporaryDirectory
            .appendingPathComponent("fabric-vmhost-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: job, withIntermediateDirectories: true)
        let scriptFile = job.appendingPathComponent("script.sh")
        try Data(script.utf8).write(to: scriptFile)
        return try run(
            scriptAt: scriptFile,
            resultsDirectory: job.appendingPathComponent("results", isDirectory: true),
            environment: environment,
            timeoutSeconds: timeoutSeconds
        )
    }

    /// Like ``run(script:environment:timeoutSeconds:)`` for a script file on this machine.
    /// - Parameter resultsDirectory: where the guest's results go; a new temporary folder if nil.
    public static func run(
        scriptAt scriptFile: URL,
        resultsDirectory: URL? = nil,
        environment: [String: String] = [:],
        timeoutSeconds: Int = 300
    ) throws -> VMRunResult {
        try checkForwarded(environment)
        if let reason = unavailableReason { throw VMTestHostError.unavailable(reason) }
        let results =
            resultsDirectory
            ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("fabric-vmhost-\(UUID().uuidString)/results", isDirectory: true)
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        // run.sh's own messages go to a file beside the results: no pipe to drain while waiting.
        let runnerLog = results.deletingLastPathComponent()
            .appendingPathComponent("\(results.lastPathComponent).run.log")
        _ = FileManager.default.createFile(atPath: runnerLog.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: runnerLog)
        defer { try? logHandle.close() }

        let process = Process()
        process.executableURL = runner
        process.arguments = [scriptFile.path, results.path]
        var processEnvironment = ProcessInfo.processInfo.environment
        processEnvironment.merge(environment) { _, given in given }
        processEnvironment["VMHOST_TIMEOUT"] = String(timeoutSeconds)
        processEnvironment["VMHOST_VERBOSE"] = "0"
        process.environment = processEnvironment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        process.waitUntilExit()

        let runnerOutput = (try? String(contentsOf: runnerLog, encoding: .utf8)) ?? ""
        let console = (try? String(contentsOf: results.appendingPathComponent("console.log"), encoding: .utf8)) ?? ""
        // The status file comes from the guest; without it the VM failed, whatever run.sh says.
        let statusText = (try? String(contentsOf: results.appendingPathComponent("exit-status"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let statusText, let status = Int32(statusText) else {
            throw VMTestHostError.vmFailed(
                runnerStatus: process.terminationStatus,
                runnerOutput: runnerOutput,
                consoleTail: String(console.suffix(4_000))
            )
        }
        return VMRunResult(
            exitStatus: status,
            console: console,
            resultsDirectory: results,
            runnerOutput: runnerOutput
        )
    }

    private static func checkForwarded(_ environment: [String: String]) throws {
        for name in environment.keys.sorted() where !name.hasPrefix("FABRIC_") {
            throw VMTestHostError.environmentNotForwarded(name)
        }
    }

    private static func executableInPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// What one VM run left behind.
public struct VMRunResult: Sendable, Hashable {
    /// The script's exit status inside the guest.
    public let exitStatus: Int32
    /// The guest's serial console: the kernel's `quiet` messages and everything the script printed.
    public let console: String
    /// The folder the guest saw as `$FABRIC_RESULTS`.
    public let resultsDirectory: URL
    /// What `run.sh` itself printed (its summary line, errors).
    public let runnerOutput: String

    /// The URL of a file the script wrote, relative to `$FABRIC_RESULTS`.
    public func url(_ relativePath: String) -> URL {
        resultsDirectory.appendingPathComponent(relativePath)
    }

    /// Whether the script wrote `relativePath`.
    public func fileExists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: url(relativePath).path)
    }

    /// The bytes of a result file.
    /// - Throws: ``VMTestHostError/missingResult(_:)`` when the script did not write it.
    public func data(_ relativePath: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: url(relativePath).path) else {
            throw VMTestHostError.missingResult(relativePath)
        }
        return data
    }

    /// The text of a result file (UTF-8).
    public func text(_ relativePath: String) throws -> String {
        String(decoding: try data(relativePath), as: UTF8.self)
    }

    /// The names of the files in a result folder, sorted.
    public func fileNames(in relativeFolder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: url(relativeFolder).path).sorted()
        } catch {
            throw VMTestHostError.missingResult(relativeFolder)
        }
    }
}

/// Why a VM test host run could not produce a result.
public enum VMTestHostError: Error, Hashable, Sendable, CustomStringConvertible {
    /// QEMU or the built kernel is missing (the reason says which).
    case unavailable(String)
    /// An environment variable not named `FABRIC_*`, which would not reach the guest.
    case environmentNotForwarded(String)
    /// The VM ended without the script's exit status: time limit (run.sh status 124), init
    /// failure or kernel panic (125), or run.sh refused to start (2).
    case vmFailed(runnerStatus: Int32, runnerOutput: String, consoleTail: String)
    /// The script did not write the result file or folder.
    case missingResult(String)

    public var description: String {
        switch self {
        case .unavailable(let reason):
            return reason
        case .environmentNotForwarded(let name):
            return "VM test host: environment variable \(name) is not forwarded to the guest (use a FABRIC_ name)"
        case .vmFailed(let status, let output, let console):
            return "VM test host: the VM ended without an exit status (run.sh status \(status)): "
                + "\(output)\n--- console tail ---\n\(console)"
        case .missingResult(let path):
            return "VM test host: the script wrote no \(path) in its results folder"
        }
    }
}
