// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// What a finished process left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: Data
    public var standardError: String

    /// Standard output as UTF-8 text.
    public var output: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// A process that did not exit with status 0, or could not be started.
public struct ProcessRunnerError: Error, CustomStringConvertible {
    public var command: [String]
    public var status: Int32?
    public var standardError: String

    public var description: String {
        let joined = command.joined(separator: " ")
        guard let status else { return "could not start `\(joined)`: \(standardError)" }
        return "`\(joined)` exited with status \(status): \(standardError)"
    }
}

/// Runs helper commands (`ip`, `sh`) for tests and captures their output.
public enum ProcessRunner {
    /// Runs `executable` (a path, or a name looked up in `PATH`) and waits for it.
    /// Standard output and standard error are read concurrently, so large outputs cannot block the child.
    public static func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(executable))
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ProcessRunnerError(command: [executable] + arguments, status: nil, standardError: "\(error)")
        }
        let errorData = ErrorCollector()
        let reader = Thread {
            errorData.data = error.fileHandleForReading.readDataToEndOfFile()
            errorData.done.signal()
        }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorData.done.wait()
        return ProcessResult(
            status: process.terminationStatus, standardOutput: outputData,
            standardError: String(decoding: errorData.data, as: UTF8.self))
    }

    /// Runs the command and returns its standard output; throws ``ProcessRunnerError`` unless it exits 0.
    @discardableResult
    public static func checkedOutput(_ executable: String, _ arguments: [String]) throws -> Data {
        let result = try run(executable, arguments)
        guard result.status == 0 else {
            throw ProcessRunnerError(
                command: [executable] + arguments, status: result.status, standardError: result.standardError)
        }
        return result.standardOutput
    }

    /// The full path of `name` found in `PATH` (plus the sbin directories), or `nil`.
    public static func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func resolve(_ executable: String) -> String {
        which(executable) ?? executable
    }
}

private final class ErrorCollector: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
