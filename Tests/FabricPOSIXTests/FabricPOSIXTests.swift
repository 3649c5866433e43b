// SPDX-License-Identifier: Apache-2.0
@testable import FabricPOSIX
import Foundation
import Testing

@Suite struct FileDescriptorTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "posix-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func readAllStopsAtTheLimit() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/f"))
        #expect(try FileDescriptor.readFile(directory + "/f") == bytes)
        #expect(try FileDescriptor.readFile(directory + "/f", limit: 200_000) == bytes)
        #expect(throws: FileDescriptor.ReadFailure.tooLarge(limit: 199_999)) {
            _ = try FileDescriptor.readFile(directory + "/f", limit: 199_999)
        }
        #expect(try FileDescriptor.readFile(directory + "/missing") == nil)
        #expect(throws: FileDescriptor.ReadFailure.self) { _ = try FileDescriptor.readFile(directory) }
    }

    @Test(arguments: [0, 1, 4095, 4096, 4097, 8192, 8193, 70_000])
    func readAllReturnsEveryByteAcrossBufferGrowth(size: Int) throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/f"))
        #expect(try FileDescriptor.readFile(directory + "/f") == bytes)
        #expect(try FileDescriptor.readFile(directory + "/f", limit: size) == bytes)
        if size > 0 {
            #expect(throws: FileDescriptor.ReadFailure.tooLarge(limit: size - 1)) {
                _ = try FileDescriptor.readFile(directory + "/f", limit: size - 1)
            }
        }
    }

    @Test func readAllCollectsAPipeWrittenInPieces() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        let reader = FileDescriptor(owning: ends[0])
        let writeEnd = ends[1]
        let pieces = (0..<40).map { piece in [UInt8](repeating: UInt8(piece), count: 257) }
        let writer = Thread {
            let file = FileDescriptor(owning: writeEnd)
            for piece in pieces {
                try? file.writeAll(piece)
                usleep(200)
            }
        }
        writer.start()
        #expect(try reader.readAll() == Array(pieces.joined()))
    }

    @Test func atomicReplaceKeepsModeAndLeavesNoTemporaryFile() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/data"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        try AtomicFile.replace(path, with: Array("new content".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new content")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["data"])

        let error = #expect(throws: AtomicFile.Failure.self) { try AtomicFile.replace(directory + "/no/such/dir/f", with: [1]) }
        #expect(error?.step == .create && error?.errno == .noSuchFile)
    }

    @Test func unixSocketAddressesFitSunPath() throws {
        #expect(try UnixSocketAddress(path: "/run/fabric/agent.sock").path == "/run/fabric/agent.sock")
        #expect(try UnixSocketAddress(path: "/" + String(repeating: "a", count: 106)).path.utf8.count == 107)
        #expect(throws: UnixSocketAddress.Invalid.tooLong(bytes: 108)) {
            try UnixSocketAddress(path: "/" + String(repeating: "a", count: 107))
        }
        #expect(throws: UnixSocketAddress.Invalid.empty) { try UnixSocketAddress(path: "") }
        #expect(throws: UnixSocketAddress.Invalid.containsNUL) { try UnixSocketAddress(path: "/a\0b") }
    }

    /// A socket nobody listens on is refused, one that exists is connected, both through the one address type.
    @Test func connectsOrSaysWhy() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let address = try UnixSocketAddress(path: directory + "/s")
        let client = try FileDescriptor.unixSocket()
        #expect(throws: Errno.noSuchFile) { try client.connect(to: address) }

        let server = try FileDescriptor.unixSocket()
        let bound = address.withSocketAddress { bind(server.rawValue, $0, $1) }
        #expect(bound == 0 && listen(server.rawValue, 1) == 0)
        let second = try FileDescriptor.unixSocket()
        try second.connect(to: address)
        try second.sendAll(Array("ping".utf8))
        let accepted = FileDescriptor(owning: accept(server.rawValue, nil, nil))
        #expect(try accepted.poll(for: .readable, timeout: .seconds(1)).contains(.readable))
    }

    @Test func pollMillisecondsRoundUpAndNeverGoNegative() {
        #expect(pollMilliseconds(.zero) == 0)
        #expect(pollMilliseconds(.seconds(-3)) == 0)
        #expect(pollMilliseconds(.nanoseconds(1)) == 1)
        #expect(pollMilliseconds(.microseconds(1500)) == 2)
        #expect(pollMilliseconds(.milliseconds(250)) == 250)
        #expect(pollMilliseconds(.seconds(3)) == 3000)
        #expect(pollMilliseconds(.seconds(Int64.max / 2)) == Int32.max)
    }

    /// The deadline holds: never early, and a readable descriptor answers at once.
    @Test func pollWaitsTheWholeTimeoutOrReportsReadiness() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        let reader = FileDescriptor(owning: ends[0])
        let writer = FileDescriptor(owning: ends[1])
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try reader.poll(for: .readable, timeout: .milliseconds(30)).isEmpty)
        #expect(clock.now - start >= .milliseconds(30))
        try writer.writeAll([1])
        #expect(try reader.poll(for: .readable, timeout: .seconds(5)).contains(.readable))
    }

    @Test func errnoNamesTheSystemsText() {
        #expect(Errno.noSuchFile.description == "No such file or directory")
        #expect(throws: Errno.noSuchFile) { try retryingInterrupted { open("/nonexistent-fabric", O_RDONLY) } }
    }
}

@Suite struct MonotonicInstantTests {
    @Test func followsTheSystemsMonotonicClock() {
        let before = ContinuousClock.now
        let start = MonotonicInstant.now
        usleep(20_000)
        let end = MonotonicInstant.now
        let elapsed = before.duration(to: ContinuousClock.now)
        let measured = start.duration(to: end)
        #expect(measured >= .milliseconds(20))
        #expect(measured <= elapsed)
        #expect(start < end)
        #expect(!(end < start))
    }

    @Test func advancingAndMeasuringAreInverse() {
        let start = MonotonicInstant.now
        for step in [Duration.zero, .nanoseconds(1), .milliseconds(1500), .seconds(-3), .seconds(86_400)] {
            let moved = start.advanced(by: step)
            #expect(start.duration(to: moved) == step)
            #expect(moved.duration(to: start) == .zero - step)
            #expect((start < moved) == (step > .zero))
            #expect((moved == start) == (step == .zero))
        }
    }
}
