// SPDX-License-Identifier: Apache-2.0

/// What a hook's exit status means to VDSM (`lib/vdsm/common/hooks.py`).
public enum HookExitCode: Int32, Hashable, Sendable, CustomStringConvertible {
    /// Success: the next hook runs.
    case success = 0
    /// Failed, but the remaining hooks still run. For aborting hook points the operation still fails.
    case failedContinue = 1
    /// Failed and the remaining hooks are skipped, so this hook's stderr is the message the engine shows.
    case failedStop = 2

    public var description: String {
        switch self {
        case .success: "0 (success)"
        case .failedContinue: "1 (failed, continue)"
        case .failedStop: "2 (failed, stop)"
        }
    }
}

/// A failure a hook reports: one human sentence and the exit code VDSM acts on.
public struct HookFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var exitCode: HookExitCode

    /// Fatal errors default to exit 2: only the stderr of the last hook that ran reaches the engine.
    public init(_ message: String, exitCode: HookExitCode = .failedStop) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
