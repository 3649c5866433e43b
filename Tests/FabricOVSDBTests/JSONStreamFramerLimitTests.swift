// SPDX-License-Identifier: Apache-2.0

import FabricOVSDB
import Testing

/// The framer at its limits: the size limit exactly, and nesting as deep as the parser accepts.
@Suite struct JSONStreamFramerLimitTests {
    @Test func aMessageOfExactlyTheLimitAndTheNextOneInOneReadAreBothFramed() throws {
        var framer = JSONStreamFramer(maximumMessageSize: 9)
        let messages = try framer.append(Array(#"{"a":123} {"b":4}[]"#.utf8))
        #expect(messages.map { String(decoding: $0, as: UTF8.self) } == [#"{"a":123}"#, #"{"b":4}"#, "[]"])
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func nestingDeeperThanTheParserAcceptsIsRefusedBeforeTheMessageEnds() {
        var framer = JSONStreamFramer()
        do {
            _ = try framer.append([UInt8](repeating: UInt8(ascii: "["), count: 100_000))
            Issue.record("100,000 open brackets were buffered")
        } catch {
            #expect(error.kind == .protocolViolation)
            #expect(error.description == "Open vSwitch database protocol error: a message nests deeper than 512 levels")
        }
        // 512 levels, the parser's limit, still frame.
        var deep = JSONStreamFramer()
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 512) + [UInt8](repeating: UInt8(ascii: "]"), count: 512)
        #expect((try? deep.append(bytes))?.count == 1)
    }
}
