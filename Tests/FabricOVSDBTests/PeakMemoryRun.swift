// SPDX-License-Identifier: Apache-2.0

import Foundation

/// A command run to completion with its peak resident memory, as the kernel counted it (`ru_maxrss`).
/// Measuring a child, not this test process, keeps the figure free of whatever the tests running in
/// parallel allocate.
///
/// The command runs under GNU `time`, not straight from here: `posix_spawn` starts a child with
/// `vfork`, and the kernel then carries this (large) test process's peak into the child's `ru_maxrss`
/// when it execs. `time` forks from a process of about 2 MiB, so what it reports is the command's own.
struct PeakMemoryRun {
    static let timeTool = "/usr/bin/time"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: timeTool) }

    var exitStatus: Int32
    var standardOutput: String
    /// Peak resident set size in KiB.
    var peakKiB: Int

    var peakMiB: Double { Double(peakKiB) / 1024 }

    /// Runs `command[0]` with the rest as arguments, stdout into a temporary file, stderr discarded.
    init(_ command: [String]) throws {
        let outputPath = "/tmp/peak-memory-\(UUID().uuidString).out"
        let peakPath = outputPath + ".peak"
        defer {
            unlink(outputPath)
            unlink(peakPath)
        }
        let arguments = [Self.timeTool, "-f", "%M", "-o", peakPath] + command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw ProxyError("cannot run \(arguments[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        exitStatus = status
        standardOutput = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // `time` writes a line about a non-zero exit status before the figure; the figure is last.
        let report = (try? String(contentsOfFile: peakPath, encoding: .utf8)) ?? ""
        guard let last = report.split(separator: "\n").last, let kiB = Int(last) else {
            throw ProxyError("\(Self.timeTool) reported no peak: \(report)")
        }
        peakKiB = kiB
    }
}
