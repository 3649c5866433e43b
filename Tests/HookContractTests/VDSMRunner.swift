// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The built hook executables, found next to the test bundle (`swift build` puts all products there).
enum BuiltHooks {
    static let directory: String? = {
        var candidates: [String] = []
        let argument0 = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).standardizedFileURL
        var url = argument0.deletingLastPathComponent()
        for _ in 0..<4 {  // the bundle may be a directory (.xctest) holding the binary
            candidates.append(url.path)
            url = url.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/before_device_create") }
    }()

    static func path(_ name: String) -> String? {
        directory.map { $0 + "/" + name }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    }

    static let available = directory != nil
}

/// Runs a hooks folder the way VDSM's `_runHooksDir` does: every executable regular file that is not a
/// dotfile, sorted by the byte value of its name, one after another, with the data in a `mkstemp` file named
/// by `_hook_domxml`, `vmId` and the custom properties in the environment, argv = the hook path, stdin
/// /dev/null; exit 2 skips the remaining hooks.
struct VDSMRunner {
    struct Run {
        var name: String
        var status: Int32
        var stderr: String
    }

    var folder: String

    func run(data: [UInt8], vmID: String = "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f", properties: [String: String])
        throws -> (runs: [Run], output: [UInt8])
    {
        var template = Array((NSTemporaryDirectory() + "tmpXXXXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        defer { unlink(path) }
        var environment = ProcessInfo.processInfo.environment
        environment["_hook_domxml"] = path
        environment["vmId"] = vmID
        environment.merge(properties) { $1 }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { !$0.hasPrefix(".") }
            .filter { name in
                var isDirectory: ObjCBool = false
                let full = folder + "/" + name
                return FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) && !isDirectory.boolValue
                    && FileManager.default.isExecutableFile(atPath: full)
            }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var runs: [Run] = []
        for name in names {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: folder + "/" + name)
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            let stderr = Pipe()
            process.standardError = stderr
            try process.run()
            let bytes = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            runs.append(Run(name: name, status: process.terminationStatus, stderr: String(decoding: bytes, as: UTF8.self)))
            if process.terminationStatus == 2 { break }
        }
        return (runs, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}

/// A hooks folder in a private temporary directory.
struct HooksFolder: ~Copyable {
    let path: String

    /// - Parameter point: the folder's name; VDSM's folders are named after the hook point, and fabric's
    ///   after-hooks dispatch on it.
    init(fabric executable: String, point: String = "hooks") throws {
        path = NSTemporaryDirectory() + "hooks-\(UUID().uuidString)/" + point
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: executable, toPath: path + "/50_fabric")
    }

    deinit { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }

    func script(_ name: String, _ body: String, mode: Int = 0o755) throws {
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path + "/" + name)
    }
}
