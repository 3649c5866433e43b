// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VDSMHook

@Suite struct HookFileTests {
    @Test func replaceWritesContentKeepsModeAndLeavesNoTemporaryFile() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tmpabc123", "<old/>", mode: 0o600)
        try HookFile.replaceAtomically(file, with: Array("<new>ü</new>".utf8))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "<new>ü</new>")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["tmpabc123"])
    }

    @Test func replaceIsARenameNotAnInPlaceWrite() throws {
        let scratch = try Scratch()
        let file = try scratch.write("data", "<old/>")
        let before = try #require(FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int)
        try HookFile.replaceAtomically(file, with: Array("<new/>".utf8))
        let after = try #require(FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int)
        #expect(before != after)  // a reader holding the old inode never sees a half-written file
    }

    @Test func readReturnsEmptyForEmptyFileAndThrowsForMissing() throws {
        let scratch = try Scratch()
        #expect(try HookFile.read(try scratch.write("empty", "")) == [])
        #expect(throws: HookFailure.self) { try HookFile.read(scratch.path + "/missing") }
    }

    @Test func missingDirectoryFailsWithExitTwo() throws {
        let error = try #require(throws: HookFailure.self) {
            try HookFile.replaceAtomically("/nonexistent-\(UUID().uuidString)/f", with: [0x3C])
        }
        #expect(error.exitCode == .failedStop)
        #expect(error.message.contains("left unchanged"))
    }

    /// A full file system: the temporary file cannot take the new content, and the original must survive.
    @Test(.enabled(if: System.canMount, "needs root and permission to mount a tmpfs"))
    func fullDiskKeepsOriginal() throws {
        let scratch = try Scratch()
        #expect(System.run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", scratch.path) == 0)
        defer { System.run("umount", scratch.path) }
        let original = "<domain>" + String(repeating: "x", count: 100) + "</domain>"
        let file = try scratch.write("tmpdata", original)
        // Fill the file system to the last block.
        let filler = FileHandle(forWritingAtPath: try scratch.write("filler", ""))!
        while (try? filler.write(contentsOf: Data(count: 4096))) != nil {}
        try? filler.close()
        let big = Array(("<domain>" + String(repeating: "y", count: 32 * 1024) + "</domain>").utf8)
        let error = try #require(throws: HookFailure.self) { try HookFile.replaceAtomically(file, with: big) }
        #expect(error.exitCode == .failedStop)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["filler", "tmpdata"])
    }

    /// A read-only directory (root ignores permission bits, so use a read-only mount).
    @Test(.enabled(if: System.canMount, "needs root and permission to mount a tmpfs"))
    func readOnlyDirectoryKeepsOriginal() throws {
        let scratch = try Scratch()
        #expect(System.run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", scratch.path) == 0)
        defer { System.run("umount", scratch.path) }
        let file = try scratch.write("tmpdata", "<a/>")
        #expect(System.run("mount", "-o", "remount,ro", scratch.path) == 0)
        let error = try #require(throws: HookFailure.self) {
            try HookFile.replaceAtomically(file, with: Array("<b/>".utf8))
        }
        #expect(error.message.contains("temporary file"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "<a/>")
    }
}
