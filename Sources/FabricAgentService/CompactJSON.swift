// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import NIOCore
import Synchronization

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
    /// - Parameter rowJSON: the rows of the previous encoding; a row equal to its previous self is not
    ///   encoded again, and the cache is left holding this encoding's rows.
    static func encodeTable(_ table: HostTable, rowJSON: RowJSONCache? = nil) -> ByteBuffer {
        var header = table
        header.interfaces = []
        let shell = encode(header)
        let marker = Array(#""interfaces":[]"#.utf8)
        guard let at = shell.firstRange(of: marker) else { return ByteBuffer(bytes: encode(table)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var document = ByteBufferAllocator().buffer(capacity: shell.count + table.interfaces.count * 512)
        document.writeBytes(shell[..<(at.upperBound - 1)])
        let previous = rowJSON?.entries ?? [:]
        var encoded: [Int32: RowJSONCache.Entry] = [:]
        if rowJSON != nil { encoded.reserveCapacity(table.interfaces.count) }
        for (position, row) in table.interfaces.enumerated() {
            if position > 0 { document.writeInteger(UInt8(ascii: ",")) }
            let bytes: [UInt8]
            if let known = previous[row.index], known.row == row {
                bytes = known.json
            } else {
                guard let fresh = try? encoder.encode(row) else { return ByteBuffer(bytes: encode(table)) }
                bytes = Array(fresh)
            }
            document.writeBytes(bytes)
            if rowJSON != nil { encoded[row.index] = RowJSONCache.Entry(row: row, json: bytes) }
        }
        document.writeBytes(shell[(at.upperBound - 1)...])
        rowJSON?.entries = encoded
        return document
    }
}

/// Each row's JSON from the latest encoding of the document, by ifindex. Between two counter samples a
/// version differs from the one before in a few rows (a link event), and only those are encoded again:
/// JSONEncoder took most of the agent's CPU while a client asked for the document and links changed.
final class RowJSONCache: Sendable {
    struct Entry: Sendable {
        var row: HostInterface
        var json: [UInt8]
    }

    private let storage = Mutex<[Int32: Entry]>([:])

    /// Concurrent encodings (a request's and the background one) each leave their rows; either is right,
    /// since a row is reused only when it is equal.
    var entries: [Int32: Entry] {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
