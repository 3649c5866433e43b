// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's JSON: sorted keys and unescaped slashes, the bytes `fabric-agent show --json` prints,
/// without the pretty-printing.
enum CompactJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array(#"{"error":"the agent could not encode its answer"}"#.utf8)
    }

    /// The table's document, byte for byte what ``encode(_:)`` gives, built row by row: JSONEncoder
    /// holds a whole tree of the value while it encodes, about four times the 2 MB document at 4,096
    /// links, and several encodings at once under load made the agent's peak memory. Rows are encoded
    /// one at a time into the `[]` of a table encoded without them (sorted keys put `"interfaces":[]`
    /// where it would be; inside strings quotes are escaped, so that sequence occurs once).
    static func encodeTable(_ table: HostTable) -> ByteBuffer {
        var header = table
        header.interfaces = []
        let shell = encode(header)
        let marker = Array(#""interfaces":[]"#.utf8)
        guard let at = shell.firstRange(of: marker) else { return ByteBuffer(bytes: encode(table)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var document = ByteBufferAllocator().buffer(capacity: shell.count + table.interfaces.count * 512)
        document.writeBytes(shell[..<(at.upperBound - 1)])
        for (position, row) in table.interfaces.enumerated() {
            if position > 0 { document.writeInteger(UInt8(ascii: ",")) }
            guard let bytes = try? encoder.encode(row) else { return ByteBuffer(bytes: encode(table)) }
            document.writeBytes(bytes)
        }
        document.writeBytes(shell[(at.upperBound - 1)...])
        return document
    }
}

