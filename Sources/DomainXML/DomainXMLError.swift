// SPDX-License-Identifier: Apache-2.0

/// Why a document could not be read, queried or written.
public enum DomainXMLError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input had no bytes at all; VDSM hands an empty file when it has no data, and that is never XML.
    case empty
    /// The input is not one well-formed XML document. Line and column are 1-based, as libxml2 reports them.
    case malformed(line: Int, column: Int, message: String)
    /// The input carries a `<!DOCTYPE …>`. Refused before any entity can be declared, let alone expanded.
    case documentTypeDeclaration(line: Int)
    /// libxml2 could not serialise the tree (out of memory).
    case serialization(String)
    /// The input is over a limit (``DomainDocument/maximumBytes``, ``DomainDocument/maximumElements``).
    case tooLarge(String)

    public var description: String {
        switch self {
        case .empty:
            "the XML input is empty"
        case .malformed(let line, _, let message) where line == 0:
            "malformed XML: \(message)"
        case .malformed(let line, let column, let message):
            "malformed XML at line \(line), column \(column): \(message)"
        case .documentTypeDeclaration(let line):
            "XML with a document type declaration (DTD) is refused (line \(line))"
        case .serialization(let message):
            "cannot serialise XML: \(message)"
        case .tooLarge(let what):
            "the XML is refused: it \(what)"
        }
    }
}
