// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// What a hook's transform decided.
public enum HookOutcome: Hashable, Sendable {
    /// Nothing to do: the file is not rewritten at all.
    case unchanged
    /// Nothing done on purpose, and the admin should know why: the file is not rewritten, exit 0, and
    /// `reason` is the one stderr line.
    case leftAlone(reason: String)
    /// The new content of the data file.
    case replaced([UInt8])
}

/// The runtime every fabric hook shares: environment in, data file in, atomic data file out, one stderr line,
/// VDSM's exit codes.
public enum Hook {
    /// The largest data file a hook reads: 10 MiB, the limit of DomainXML's parser (and libvirt's own cap).
    public static let maximumDataBytes = 10 * 1024 * 1024

    /// Whether the hook runs before or after VDSM's operation, which decides what a failure may do.
    public enum Stage: Hashable, Sendable {
        /// A failure exits with its own code, 2 unless it says otherwise: it stops the operation and the
        /// remaining hooks, so its line is the one the engine shows.
        case before
        /// Every failure exits 1: VDSM only logs it, and the hooks after this one must still run.
        case after
    }

    /// The result of one hook run, before it becomes the process's exit status and stderr.
    public struct Result: Hashable, Sendable {
        public var exitCode: HookExitCode
        /// The single line for stderr, or nil for a silent success.
        public var message: String?

        public init(exitCode: HookExitCode, message: String?) {
            self.exitCode = exitCode
            self.message = message
        }
    }

    /// Runs `transform` on the domain XML file and exits the process with VDSM's exit code.
    public static func run(
        stage: Stage = .before,
        environment: HookEnvironment = .current,
        _ transform: (_ input: [UInt8], _ environment: HookEnvironment) throws -> HookOutcome
    ) -> Never {
        let result = execute(stage: stage, environment: environment, transform)
        if let message = result.message { StandardError.write("fabric: \(message)\n") }
        // Everything is out: the line with write(2), a rewritten data file closed and renamed. Skipping the exit
        // handlers skips the destructors of every library loaded (libxml2, ICU, libstdc++...), on every VM start.
        HostSystem.exitImmediately(result.exitCode.rawValue)
    }

    /// Does everything ``run(stage:environment:_:)`` does except exiting: the testable core.
    public static func execute(
        stage: Stage = .before,
        environment: HookEnvironment,
        _ transform: (_ input: [UInt8], _ environment: HookEnvironment) throws -> HookOutcome
    ) -> Result {
        let result = executeAtAnyStage(environment: environment, transform)
        guard stage == .after, result.exitCode == .failedStop else { return result }
        return Result(exitCode: .failedContinue, message: result.message)
    }

    /// The run with a before-hook's exit codes; ``execute(stage:environment:_:)`` caps them for after-hooks.
    private static func executeAtAnyStage(
        environment: HookEnvironment,
        _ transform: (_ input: [UInt8], _ environment: HookEnvironment) throws -> HookOutcome
    ) -> Result {
        do {
            guard let path = environment.domainXMLPath else {
                throw HookFailure("\(HookEnvironment.domainXMLVariable) is not set; VDSM runs XML hooks with it")
            }
            let input = try HookFile.read(path, limit: maximumDataBytes)
            switch try transform(input, environment) {
            case .unchanged:
                break
            case .leftAlone(let reason):
                return Result(exitCode: .success, message: oneLine(reason))
            case .replaced(let output) where output == input:
                break
            case .replaced(let output):
                guard !output.isEmpty else { throw HookFailure("refusing to write an empty domain XML to \(path)") }
                try HookFile.replaceAtomically(path, with: output)
            }
            return Result(exitCode: .success, message: nil)
        } catch let failure as HookFailure {
            return Result(exitCode: failure.exitCode, message: oneLine(failure.message))
        } catch {
            return Result(exitCode: .failedStop, message: oneLine(String(describing: error)))
        }
    }

    /// VDSM shows the stderr of the last hook as a bytes repr in the engine's events: keep it one short line.
    static func oneLine(_ message: String) -> String {
        let flat = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 400 ? String(flat.prefix(399)) + "…" : flat
    }
}
