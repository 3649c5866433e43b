// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A long-running helper process (for example a shell loop that churns links) that a test starts and
/// stops by its own pid. Stop it in a `defer`; `deinit` stops it too, as a safety net.
public final class BackgroundProcess {
    private let process: Process
    public let command: [String]

    /// The child's pid; only this pid is ever signalled.
    public var pid: Int32 { process.processIdentifier }

    /// Starts `executable` with `arguments`; output goes to /dev/null.
    public init(_ executable: String, _ arguments: [String]) throws {
        process = Process()
        command = [executable] + arguments
        process.executableURL = URL(fileURLWithPath: ProcessRunner.which(executable) ?? executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Waits until the process exits by itself and returns its exit status.
    public func waitUntilExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends SIGKILL to the pid (a shell loop would otherwise finish its current iteration first) and
    /// waits for it to exit. Safe to call more than once.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        stop()
    }
}
