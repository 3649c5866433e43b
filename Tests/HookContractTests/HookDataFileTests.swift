// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The data file under pressure, the way VDSM hands it over: too large, or in a directory where the new content
/// cannot be written. The hook exits 2 with one line, and the original is left byte for byte.
@Suite(.serialized, .enabled(if: BuiltHooks.available, "hook executables not built: run `swift build` first"))
struct HookDataFileTests {
    static let properties = [
        "provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH", "vnic_id": "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f",
    ]
    static let interface = Array(#"<interface type="bridge"><source bridge="x"/><mac address="56:6f:1a:2b:00:07"/></interface>"#.utf8)

    /// Runs before_device_create on `data` in `directory`, under `/usr/bin/time`, and returns its exit status,
    /// stderr, the file afterwards and the peak resident memory in KiB.
    func run(_ data: [UInt8], in directory: String) throws -> (status: Int32, stderr: String, output: [UInt8], peakKiB: Int) {
        let hook = try #require(BuiltHooks.path("before_device_create"))
        let file = directory + "/data.xml"
        try Data(data).write(to: URL(fileURLWithPath: file))
        let measure = NSTemporaryDirectory() + "rss-\(UUID().uuidString)"
        defer { unlink(measure) }
        let result = try ProcessRunner.run(
            "/usr/bin/time",
            ["-f", "%M", "-o", measure, "/usr/bin/env", "-i", "_hook_domxml=\(file)"]
                + Self.properties.map { "\($0.key)=\($0.value)" } + [hook])
        let peak = Int(try String(contentsOfFile: measure, encoding: .utf8).split(separator: "\n").last ?? "") ?? -1
        return (result.status, result.standardError, Array(try Data(contentsOf: URL(fileURLWithPath: file))), peak)
    }

    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "hookdata-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Memory stays bounded by the input limits (10 MiB, 100,000 elements): the worst shapes the issue measured
    /// at 415 MiB (about a million tiny elements) are refused early, and the largest accepted one stays small.
    @Test func memoryStaysBoundedUnderTheInputLimits() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let open = Array(#"<interface type="bridge">"#.utf8), close = Array("</interface>".utf8)
        let tiny = Array("<a/>".utf8)
        let cases: [(name: String, data: [UInt8], accepted: Bool)] = [
            ("10 MiB of tiny elements", open + Array([[UInt8]](repeating: tiny, count: 2_500_000).joined()) + close, false),
            ("11 MiB of text", open + [UInt8](repeating: UInt8(ascii: "x"), count: 11 * 1024 * 1024) + close, false),
            ("99,999 tiny elements", open + Array([[UInt8]](repeating: tiny, count: 99_998).joined()) + close, true),
            ("9 MiB of text", open + [UInt8](repeating: UInt8(ascii: "x"), count: 9 * 1024 * 1024) + close, true),
        ]
        for (name, data, accepted) in cases {
            let result = try run(data, in: directory)
            #expect(result.status == (accepted ? 0 : 2), "\(name): \(result.stderr)")
            #expect(accepted || result.output == data, "\(name): a refused file is left as it was")
            #expect(accepted || result.stderr.contains("refused") || result.stderr.contains("larger than 10 MiB"), "\(name): \(result.stderr)")
            // Under a sanitizer the peak is mostly the sanitizer's own (TestSanitizer).
            if TestSanitizer.name == nil {
                #expect(result.peakKiB > 0 && result.peakKiB < 64 * 1024, "\(name): peak \(result.peakKiB) KiB")
            }
        }
    }

    /// A read-only mount stops root too (a read-only directory would not); a full file system fails the write
    /// itself. Both need root to mount the small tmpfs.
    @Test(.enabled(if: geteuid() == 0, "mounting a small tmpfs needs root"))
    func readOnlyOrFullFileSystemLeavesTheOriginal() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ProcessRunner.checkedOutput("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "fabric-test", directory])
        defer { _ = try? ProcessRunner.run("/bin/umount", [directory]) }

        // Full: the data file and a filler take every block, so the new content cannot be written.
        var data = Self.interface
        data += [UInt8](repeating: UInt8(ascii: " "), count: 20 * 1024)
        try Data(data).write(to: URL(fileURLWithPath: directory + "/data.xml"))
        _ = try? ProcessRunner.run("/bin/dd", ["if=/dev/zero", "of=\(directory)/filler", "bs=4k"])
        let full = try run(data, in: directory)
        #expect(full.status == 2, "\(full.stderr)")
        #expect(full.stderr.hasPrefix("fabric: ") && full.stderr.filter { $0 == "\n" }.count == 1, "\(full.stderr)")
        #expect(full.stderr.contains("left unchanged"))
        #expect(full.output == data)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")

        // Read-only: written before the remount, refused after it.
        try FileManager.default.removeItem(atPath: directory + "/filler")
        try Data(Self.interface).write(to: URL(fileURLWithPath: directory + "/data.xml"))
        try ProcessRunner.checkedOutput("/bin/mount", ["-o", "remount,ro", directory])
        try expectRefusedWrite(in: directory)
    }

    private func expectRefusedWrite(in directory: String) throws {
        let hook = try #require(BuiltHooks.path("before_device_create"))
        let file = directory + "/data.xml"
        let result = try ProcessRunner.run(
            "/usr/bin/env", ["-i", "_hook_domxml=\(file)"] + Self.properties.map { "\($0.key)=\($0.value)" } + [hook])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("fabric: ") && result.standardError.contains("left unchanged"), "\(result.standardError)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: file))) == Self.interface)
    }
}
