// SPDX-License-Identifier: Apache-2.0

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
}
