// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import FabricOVSDB
import Testing

@Suite struct JSONStreamFramerTests {
    static let reply = #"{"id":1,"result":[{"rows":[{"name":"br-{int}","ids":["map",[["k","say \"}]\" \\"]]]}]}],"error":null}"#
    static let echo = #"{"method":"echo","params":[],"id":"echo"}"#

    @Test func splitsTwoObjectsInOneRead() throws {
        var framer = JSONStreamFramer()
        let messages = try framer.append(Array((Self.reply + "\n " + Self.echo).utf8))
        #expect(messages.map { String(decoding: $0, as: UTF8.self) } == [Self.reply, Self.echo])
        #expect(framer.bufferedByteCount == 0)
    }

    @Test(arguments: [reply, #"[[1,[2,[3]]],{"a":[{}]}]"#, #"{"s":"grüße 😀 {[","t":"\\\\"}"#])
    func reassemblesAMessageSplitAtEveryByte(message: String) throws {
        let bytes = Array(message.utf8)
        for split in 1..<bytes.count {
            var framer = JSONStreamFramer()
            #expect(try framer.append(bytes[..<split]).isEmpty)
            let messages = try framer.append(bytes[split...])
            #expect(messages == [bytes], "split at \(split)")
            // Every message parses, so a split inside a multi-byte character was reassembled.
            #expect(try JSONValue(parsing: messages[0]) == JSONValue(parsing: message))
        }
    }

    @Test func deliversBytesOneAtATime() throws {
        var framer = JSONStreamFramer()
        var messages: [[UInt8]] = []
        for byte in (Self.echo + Self.reply + Self.echo).utf8 {
            messages += try framer.append([byte])
        }
        #expect(messages.map { String(decoding: $0, as: UTF8.self) } == [Self.echo, Self.reply, Self.echo])
    }

    @Test func rejectsAnOversizedMessage() {
        var framer = JSONStreamFramer(maximumMessageSize: 16)
        #expect(throws: OVSDBError.self) { try framer.append(Array(#"{"a":"0123456789abcdef"#.utf8)) }
        do {
            var framer = JSONStreamFramer(maximumMessageSize: 16)
            _ = try framer.append(Array(#"{"a":"0123456789abcdef"}"#.utf8))
            Issue.record("oversized message accepted")
        } catch {
            #expect(error.kind == .messageTooLarge)
            #expect(error.description == "Open vSwitch database protocol error: message larger than 16 bytes")
        }
    }

    @Test func acceptsAMessageOfExactlyTheLimit() throws {
        var framer = JSONStreamFramer(maximumMessageSize: 9)
        #expect(try framer.append(Array(#"{"a":123}"#.utf8)).count == 1)
    }

    @Test func rejectsDataOutsideAnObject() {
        var framer = JSONStreamFramer()
        #expect(throws: OVSDBError.self) { try framer.append(Array("42".utf8)) }
    }
}
