// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A private folder per test, removed afterwards.
struct Scratch: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "vdsmhook-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }
}

enum System {
    static let isRoot = getuid() == 0

    @discardableResult
    static func run(_ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, not inside a restricted container).
    static let canMount: Bool = {
        guard isRoot, let scratch = try? Scratch() else { return false }
        let dir = scratch.path
        guard run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir) == 0 else { return false }
        run("umount", dir)
        return true
    }()
}
