// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

/// Splits an OVSDB JSON-RPC byte stream into whole messages.
///
/// RFC 7047 sends JSON-RPC 1.0 objects back to back with no delimiter and no length prefix, so the
/// only way to find a message's end is to track `{`/`[` depth outside strings. The framer looks only
/// at ASCII structure bytes, so a multi-byte UTF-8 character split across reads needs no special
/// care: its bytes are all ≥ 0x80 and the complete message is validated when it is parsed.
/// Scanning resumes where the previous read stopped, so a large message arriving in many small reads
/// costs linear time.
public struct JSONStreamFramer: Sendable {
    /// 16 MiB. A host with 4,096 ports (1,000 of them vNICs) answers fabric's `monitor` in 2.6 MiB, so
    /// this leaves room for a host six times larger. The limit is also what bounds a peer gone wrong:
    /// a message of up to the limit is buffered and parsed, and a parsed message of the smallest JSON
    /// values costs about 14 times its size (measured: 64 MiB of `0,` took a process to 936 MiB), so
    /// 16 MiB keeps the worst case near 250 MiB. See docs/RELIABILITY.md.
    public static let defaultMaximumMessageSize = 16 << 20

    public let maximumMessageSize: Int

    private var buffer: [UInt8] = []
    /// Where the current message starts in `buffer`, once its first byte has been seen.
    private var messageStart: Int?
    private var scanIndex = 0
    private var depth = 0
    private var inString = false
    private var escaped = false

    public init(maximumMessageSize: Int = JSONStreamFramer.defaultMaximumMessageSize) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Bytes received but not yet returned as a complete message.
    public var bufferedByteCount: Int { buffer.count }

    /// Appends received bytes and returns the raw bytes of every message they complete, in order.
    ///
    /// - Throws: ``OVSDBError`` of kind `.messageTooLarge` when a message grows past
    ///   ``maximumMessageSize``, or `.protocolViolation` when something other than an object or
    ///   array starts a message, or a message nests deeper than the parser accepts. The framer is
    ///   unusable afterwards.
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(OVSDBError) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var messages: [[UInt8]] = []
        while scanIndex < buffer.count {
            let byte = buffer[scanIndex]
            if messageStart == nil {
                switch byte {
                case 0x20, 0x09, 0x0A, 0x0D:
                    scanIndex += 1
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    messageStart = scanIndex
                default:
                    throw OVSDBError.protocolViolation(
                        "a JSON-RPC message must start with '{', got byte 0x\(String(byte, radix: 16))")
                }
            }
            scanIndex += 1
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                // Fail at once rather than buffer up to the size limit a message the parser will refuse.
                if depth > JSONParser.maximumDepth {
                    throw OVSDBError.protocolViolation("a message nests deeper than \(JSONParser.maximumDepth) levels")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0, let start = messageStart {
                    messages.append(Array(buffer[start..<scanIndex]))
                    messageStart = nil
                }
            default: break
            }
        }
        if let start = messageStart {
            if scanIndex - start > maximumMessageSize { throw tooLarge() }
        }
        // Drop consumed bytes so the buffer holds at most one partial message.
        let keepFrom = messageStart ?? scanIndex
        if keepFrom > 0 {
            buffer.removeSubrange(0..<keepFrom)
            scanIndex -= keepFrom
            if messageStart != nil { messageStart = 0 }
        }
        if messages.contains(where: { $0.count > maximumMessageSize }) { throw tooLarge() }
        return messages
    }

    private func tooLarge() -> OVSDBError {
        .messageTooLarge(limit: maximumMessageSize)
    }
}
