// SPDX-License-Identifier: Apache-2.0
@testable import FabricPOSIX
import Foundation
import Testing

/// The one child-process runner of the hooks: how it ended, what it said, and the deadline.
@Suite struct BoundedProcessTests {
    @Test func exitStatusAndStderrAreReported() throws {
        let (outcome, output) = try BoundedProcess.run(
            ["/bin/sh", "-c", "echo out; echo complaint >&2; exit 3"], timeout: .seconds(5), captureOutput: false)
        #expect(outcome == .exited(3))
        #expect(String(decoding: output, as: UTF8.self) == "complaint\n", "stdout goes to /dev/null unless captured")
    }

    @Test func capturedStdoutComesWithStderr() throws {
        let (outcome, output) = try BoundedProcess.run(
            ["/bin/sh", "-c", "echo out; echo err >&2"], timeout: .seconds(5), captureOutput: true)
        #expect(outcome == .exited(0))
        #expect(String(decoding: output, as: UTF8.self) == "out\nerr\n")
    }

    @Test func aSignalIsNotAnExitStatus() throws {
        let (outcome, _) = try BoundedProcess.run(["/bin/sh", "-c", "kill -KILL $$"], timeout: .seconds(5), captureOutput: false)
        #expect(outcome == .signalled(9))
    }

    @Test func theDeadlineHoldsAgainstAChildThatHangs() {
        let start = ContinuousClock.now
        #expect(throws: BoundedProcess.Failure.timedOut) {
            try BoundedProcess.run(["/bin/sleep", "30"], timeout: .milliseconds(300), captureOutput: false)
        }
        #expect(ContinuousClock.now - start < .seconds(3))
        // The killed child was reaped: a zombie left in the test process makes Swift Testing's exit tests wait
        // for ever (it waits for any child).
        #expect(Self.zombieChildren(named: "sleep").isEmpty, "the killed child is left unreaped")
    }

    /// This process's children that ended but were not waited for, from /proc (without reaping any).
    static func zombieChildren(named name: String) -> [Int32] {
        let me = getpid()
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        return pids.filter { pid in
            // "PID (comm) STATE PPID ..."
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let comm = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            return comm == name && fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == me
        }
    }

    @Test func aMissingProgramCannotStart() {
        #expect(throws: BoundedProcess.Failure.cannotStart(.noSuchFile)) {
            try BoundedProcess.run(["/nonexistent/program"], timeout: .seconds(1), captureOutput: false)
        }
    }
}

/// What the inventory and the hooks ask the file system.
@Suite struct FileSystemTests {
    @Test func statusCarriesOwnerModeAndType() throws {
        let directory = NSTemporaryDirectory() + "posix-fs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/f"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try FileSystem.setMode(file, 0o620)
        let status = try FileSystem.statusOrError(file)
        #expect(status.isRegularFile)
        #expect(status.owner == getuid())
        #expect(status.isWritableByGroupOrOthers)
        #expect(status.size == 1)
        try FileSystem.setMode(file, 0o600)
        #expect(try FileSystem.statusOrError(file).isWritableByGroupOrOthers == false)
        #expect(try FileSystem.statusOrError("/tmp").isSticky)
        #expect(throws: Errno.noSuchFile) { try FileSystem.statusOrError(directory + "/missing") }

        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: file)
        #expect(FileSystem.symbolicLinkTarget(directory + "/link") == file)
        #expect(try FileSystem.canonicalPath(directory + "/./link") == (try FileSystem.canonicalPath(file)))
        #expect(FileSystem.entries(of: directory)?.sorted() == ["f", "link"])
        try FileSystem.makeDirectory(directory + "/d", mode: 0o755)
        try FileSystem.makeDirectory(directory + "/d", mode: 0o755)  // already there: not an error
        FileSystem.remove(directory + "/link")
        #expect(FileSystem.existenceError(directory + "/link") == .noSuchFile)
    }
}
