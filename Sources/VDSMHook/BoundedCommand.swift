// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// A command a hook runs (the privileged helper through `sudo -n`), bounded by one deadline: a hook must never
/// hang VDSM, and a setuid `sudo` may not even take our signal.
public enum BoundedCommand {
    /// Why the command did not succeed, in one line.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Runs `argv` with stdin on /dev/null and stderr captured, and stdout captured too (`captureOutput`, the two
    /// mixed) or on /dev/null; kills it at the deadline.
    /// - Returns: what the command wrote, when it exited 0.
    /// - Throws: ``BoundedCommand/Failure`` with the command's last line (sudo's own complaint, or a
    ///   `fabric-wire: ` line without its prefix), or why it could not run or did not finish.
    @discardableResult
    public static func run(_ argv: [String], timeout: Duration, captureOutput: Bool = false) throws(Failure) -> [UInt8] {
        let outcome: BoundedProcess.Outcome
        let output: [UInt8]
        do {
            (outcome, output) = try BoundedProcess.run(argv, timeout: timeout, captureOutput: captureOutput)
        } catch {
            switch error {
            case .cannotCreatePipe(let errno): throw Failure("cannot create a pipe: \(errno)")
            case .cannotStart(let errno): throw Failure("cannot run \(argv[0]): \(errno)")
            case .lostTrack(let errno): throw Failure("lost track of \(argv[0]): \(errno)")
            case .timedOut: throw Failure("\(argv.dropFirst(2).first ?? argv[0]) did not finish within \(timeout)")
            }
        }
        guard outcome != .exited(0) else { return output }
        let text = String(decoding: output, as: UTF8.self)
            .split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        // sudo's own complaints ("a password is required") and the helper's one line both end up here.
        let message = text.last.map { $0.hasPrefix("fabric-wire: ") ? String($0.dropFirst(13)) : $0 }
        let what: String
        switch outcome {
        case .exited(let code): what = "exit status \(code)"
        case .signalled(let signal): what = "signal \(signal)"
        }
        throw Failure(message ?? "\(argv.joined(separator: " ")) failed with \(what)")
    }
}
