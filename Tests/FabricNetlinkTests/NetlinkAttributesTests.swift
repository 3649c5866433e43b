// SPDX-License-Identifier: Apache-2.0
import CNetlink
@testable import FabricNetlink
import FabricTestSupport
import Testing

/// `NetlinkAttributes` walks a message's attributes as libnl does (`nla_ok`, `nla_next`, `nla_type`,
/// `nla_len`), also over bytes the kernel never sends: the checks before libnl's parser read raw messages.
@Suite struct NetlinkAttributesTests {
    /// Where each attribute starts, its type and its payload length.
    struct Step: Equatable, CustomStringConvertible {
        var offset: Int
        var type: Int
        var length: Int
        var description: String { "@\(offset) type \(type) length \(length)" }
    }

    @Test func walksAsLibnlDoesOverArbitraryBytes() {
        var random = SeededGenerator(seed: 0x6661_6272_6963)
        var compared = 0
        for _ in 0..<4_000 {
            let bytes = random.attributeLikeBytes()
            let ours = Self.ourWalk(bytes)
            let libnls = Self.libnlWalk(bytes)
            #expect(ours == libnls, "bytes \(bytes)")
            compared += libnls.count
        }
        // The generator must reach attributes, not only bytes libnl rejects at once.
        #expect(compared > 4_000)
    }

    @Test func theTypeLeavesOutTheNestedAndByteOrderFlags() {
        // nla_len 8, nla_type 0x8000 | 0x4000 | 3, four payload bytes.
        let bytes: [UInt8] = [8, 0, 3, 0xC0, 1, 2, 3, 4]
        #expect(Self.ourWalk(bytes) == [Step(offset: 0, type: 3, length: 4)])
        #expect(Self.libnlWalk(bytes) == Self.ourWalk(bytes))
    }

    static func ourWalk(_ bytes: [UInt8]) -> [Step] {
        bytes.withUnsafeBytes { raw in
            NetlinkAttributes(raw).map { attribute in
                Step(offset: attribute.payload.baseAddress! - raw.baseAddress! - 4, type: attribute.type,
                    length: attribute.payload.count)
            }
        }
    }

    static func libnlWalk(_ bytes: [UInt8]) -> [Step] {
        var copy = bytes
        return copy.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return [] }
            var steps: [Step] = []
            var remaining = Int32(raw.count)
            var attribute: UnsafeMutablePointer<nlattr>? = base.assumingMemoryBound(to: nlattr.self)
            while let current = attribute, nla_ok(current, remaining) != 0 {
                steps.append(Step(offset: UnsafeMutableRawPointer(current) - base, type: Int(nla_type(current)),
                    length: Int(nla_len(current))))
                attribute = nla_next(current, &remaining)
            }
            return steps
        }
    }
}

extension SeededGenerator {
    fileprivate mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Up to 64 bytes, mostly attribute headers with plausible lengths (aligned or not, short, too long).
    fileprivate mutating func attributeLikeBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        let size = below(65)
        while bytes.count < size {
            let length = below(4) == 0 ? below(70) : 4 + below(12)
            let type = below(8) == 0 ? next() & 0xFFFF : UInt64(below(6))
            bytes += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(type & 0xFF), UInt8(type >> 8)]
            for _ in 0..<max(0, min(length, 16) - 4) { bytes.append(UInt8(truncatingIfNeeded: next())) }
            while below(3) == 0, bytes.count % 4 != 0 { bytes.append(0) }
        }
        return Array(bytes.prefix(size))
    }
}
