// SPDX-License-Identifier: Apache-2.0
internal import CLibXML2

/// One XML document parsed strictly and written back gently: the owner of a libxml2 tree.
///
/// Parsing refuses anything that is not one well-formed, namespace-well-formed document: no recovery, no
/// network, no DTD (so no entity can be declared or expanded), no NUL byte, nothing over ``maximumBytes`` or
/// ``maximumElements`` (which bound memory: a tree costs a few hundred bytes per element). libxml2's
/// diagnostics, its encoding errors included, are captured into the thrown error and never reach stderr,
/// which VDSM would otherwise log and show to the user.
///
/// Output is always UTF-8, because VDSM reads a hook's file as UTF-8: a document in another encoding (UTF-16,
/// ISO-8859-1, …) is written back in UTF-8 with its declaration saying so.
///
/// Writing keeps what was not edited: attribute order, whitespace text, comments, namespace declarations
/// (even redundant ones), the original XML declaration byte for byte, the trailing whitespace after the root
/// and the ` />` spelling of empty elements when the input used it (ElementTree, which VDSM uses, does).
/// libxml2 writes attribute values in double quotes; that is the only difference of an untouched round trip.
///
/// Elements are reached only through closures that *borrow* a `~Copyable` ``Element``, so no node can outlive
/// this owner. Removed nodes are kept until the document is freed, so a removal never leaves an ``Element``
/// dangling.
public struct DomainDocument: ~Copyable {
    let doc: xmlDocPtr
    let state: DocumentState
    /// The declaration and the whitespace after it, verbatim (plus a UTF-8 byte order mark if present).
    let prolog: [UInt8]
    /// The whitespace after the last top-level node, verbatim.
    let epilog: [UInt8]
    let spacedEmptyElements: Bool

    /// 10 MiB, as libvirt's own cap on a domain XML file; a VDSM domain is tens to hundreds of kilobytes.
    public static let maximumBytes = 10 * 1024 * 1024
    /// Far above any real domain (a few thousand elements), low enough to keep a tree under about 64 MiB.
    public static let maximumElements = 100_000

    /// Parses `bytes` (UTF-8 unless a byte order mark or the declaration names another encoding).
    public init(parsing bytes: [UInt8]) throws(DomainXMLError) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maximumBytes else { throw .tooLarge("is larger than \(Self.maximumBytes / 1024 / 1024) MiB") }
        let wideEncoding = Self.hasWideEncodingSignature(bytes)
        // In UTF-8 and the other byte encodings a NUL byte is never XML, and libxml2 would stop reading at it,
        // silently dropping the rest; in UTF-16 and UTF-32 zero bytes are part of most characters.
        if !wideEncoding, let offset = bytes.firstIndex(of: 0) {
            throw .malformed(line: Self.line(at: offset, in: bytes), column: 0, message: "a NUL byte (offset \(offset)) is not XML")
        }
        LibXML.initializeOnce()
        let parsed = try bytes.withUnsafeBufferPointer { (buffer) throws(DomainXMLError) -> xmlDocPtr in
            try Self.parse(buffer)
        }
        doc = parsed
        state = DocumentState()
        doc.pointee._private = Unmanaged.passUnretained(state).toOpaque()
        let declared = doc.pointee.encoding.map { String(cString: $0).lowercased() }
        if !wideEncoding, declared == nil || declared == "utf-8" || declared == "utf8" {
            prolog = Self.prolog(of: bytes)
            epilog = Self.epilog(of: bytes)
        } else {
            // Written back in UTF-8, so the declaration must say so and a byte order mark would be wrong. The
            // input's own declaration cannot be copied: its bytes may not even be ASCII (UTF-16), or hold no `?>`
            // where it ends (UTF-7's `?+>`), so a new one is written from what libxml2 read.
            prolog = Self.utf8Declaration(of: parsed)
            epilog = wideEncoding ? [UInt8(ascii: "\n")] : Self.epilog(of: bytes)
        }
        spacedEmptyElements = Self.usesSpacedEmptyElements(bytes)
        state.indentUnit = Self.indentUnit(of: doc)
    }

    /// Parses a string as UTF-8.
    public init(parsing text: String) throws(DomainXMLError) {
        try self.init(parsing: Array(text.utf8))
    }

    deinit {
        // Buried nodes may use names interned in the document's dictionary: free them while it lives.
        for node in state.buried { xmlFreeNode(node) }
        xmlFreeDoc(doc)
    }

    /// Whether any edit changed the tree since parsing. Edits that set what is already there do not count,
    /// so a hook can leave a file alone when it has nothing to do.
    public var hasChanges: Bool { state.changes > 0 }

    /// Whether the input started with an XML declaration (which ``serialized()`` then writes back verbatim).
    public var hasDeclaration: Bool { prolog.contains(UInt8(ascii: "<")) }

    /// Lends the root element to `body`.
    public func withRoot<R>(_ body: (borrowing Element) throws -> R) rethrows -> R {
        // A successfully parsed document always has a root element.
        try body(Element(xmlDocGetRootElement(doc)!))
    }

    /// The document as bytes: unformatted, declaration only if the input had one.
    public func serialized() throws(DomainXMLError) -> [UInt8] {
        guard let buffer = xmlBufferCreate() else { throw .serialization("out of memory") }
        defer { xmlBufferFree(buffer) }
        guard let save = xmlSaveToBuffer(buffer, "UTF-8", Int32(XML_SAVE_NO_DECL.rawValue)) else {
            throw .serialization("libxml2 cannot write UTF-8")
        }
        let saved = xmlSaveDoc(save, doc)
        let closed = xmlSaveClose(save)
        guard saved >= 0, closed >= 0, let content = xmlBufferContent(buffer) else {
            throw .serialization("libxml2 failed to write the tree")
        }
        var body = UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(buffer)))[...]
        // libxml2 ends every top-level node with a newline; put back what the input had instead.
        if body.last == UInt8(ascii: "\n") { body = body.dropLast() }
        // One copy of a document that may be megabytes: prolog, body and epilog go straight into the result.
        var output = prolog
        output.reserveCapacity(prolog.count + body.count + body.count / 32 + epilog.count)
        if spacedEmptyElements {
            Self.appendSpacingEmptyElements(body, to: &output)
        } else {
            output.append(contentsOf: body)
        }
        output.append(contentsOf: epilog)
        return output
    }

    /// The serialised document as a string.
    public func serializedString() throws(DomainXMLError) -> String {
        String(decoding: try serialized(), as: UTF8.self)
    }

    // MARK: - Parsing

    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(DomainXMLError) -> xmlDocPtr {
        guard buffer.count <= Int(Int32.max) else {
            throw .malformed(line: 0, column: 0, message: "document larger than 2 GiB")
        }
        // xmlCreateMemoryParserCtxt + xmlParseDocument is what xmlReadMemory does inside; doing it by hand lets
        // the context carry our diagnostics (xmlCtxtReadMemory resets `_private`) and its own SAX table.
        let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
        guard let ctxt = xmlCreateMemoryParserCtxt(base, Int32(buffer.count)) else {
            throw .malformed(line: 0, column: 0, message: "libxml2 could not create a parser")
        }
        defer { xmlFreeParserCtxt(ctxt) }
        _ = xmlCtxtUseOptions(ctxt, Int32(XML_PARSE_NONET.rawValue))
        let diagnostics = ParseDiagnostics()
        ctxt.pointee._private = Unmanaged.passUnretained(diagnostics).toOpaque()
        ctxt.pointee.sax.pointee.serror = { userData, error in
            guard let context = ParseDiagnostics.context(userData), let error else { return }
            ParseDiagnostics.of(context)?.record(error.pointee)
        }
        // Encoding errors are raised without the parser context, through the (thread-local) global handler,
        // which would otherwise print them on stderr.
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(diagnostics).toOpaque()) { userData, error in
            guard let userData, let error else { return }
            Unmanaged<ParseDiagnostics>.fromOpaque(userData).takeUnretainedValue().record(error.pointee)
        }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        ctxt.pointee.sax.pointee.startElementNs = { userData, name, prefix, uri, namespaceCount, namespaces, attributeCount, defaulted, attributes in
            guard let context = ParseDiagnostics.context(userData), let diagnostics = ParseDiagnostics.of(context) else { return }
            diagnostics.elements += 1
            guard diagnostics.elements <= DomainDocument.maximumElements else {
                xmlStopParser(context)
                return
            }
            xmlSAX2StartElementNs(userData, name, prefix, uri, namespaceCount, namespaces, attributeCount, defaulted, attributes)
        }
        // Called as soon as `<!DOCTYPE name …` is read, before any `[ … ]` subset with entity declarations.
        ctxt.pointee.sax.pointee.internalSubset = { userData, _, _, _ in
            guard let context = ParseDiagnostics.context(userData) else { return }
            ParseDiagnostics.of(context)?.documentTypeLine = Int(xmlSAX2GetLineNumber(userData))
            xmlStopParser(context)
        }
        _ = xmlParseDocument(ctxt)
        let doc = ctxt.pointee.myDoc
        ctxt.pointee.myDoc = nil
        if let line = diagnostics.documentTypeLine {
            if let doc { xmlFreeDoc(doc) }
            throw .documentTypeDeclaration(line: line)
        }
        if diagnostics.elements > maximumElements {
            if let doc { xmlFreeDoc(doc) }
            throw .tooLarge("has more than \(maximumElements) elements")
        }
        guard let doc, ctxt.pointee.wellFormed != 0, ctxt.pointee.nsWellFormed != 0,
            xmlDocGetRootElement(doc) != nil
        else {
            if let doc { xmlFreeDoc(doc) }
            let first = diagnostics.first ?? (0, 0, "not a well-formed XML document")
            throw .malformed(line: first.line, column: first.column, message: first.message)
        }
        return doc
    }

    /// A UTF-16 byte order mark, or a declaration's `<?` in UTF-16 without one (the only wide encoding libxml2
    /// reads; UTF-32 is refused by it as malformed).
    private static func hasWideEncodingSignature(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
            || bytes.starts(with: [0x3C, 0x00, 0x3F, 0x00]) || bytes.starts(with: [0x00, 0x3C, 0x00, 0x3F])
    }

    private static func line(at offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<offset].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    }

    /// `<?xml version="…" encoding="UTF-8"?>` and a newline, with the document's version and standalone.
    private static func utf8Declaration(of doc: xmlDocPtr) -> [UInt8] {
        let version = doc.pointee.version.map { String(cString: $0) } ?? "1.0"
        let standalone = doc.pointee.standalone == 1 ? " standalone=\"yes\"" : doc.pointee.standalone == 0 ? " standalone=\"no\"" : ""
        return Array("<?xml version=\"\(version)\" encoding=\"UTF-8\"\(standalone)?>\n".utf8)
    }

    private static func prolog(of bytes: [UInt8]) -> [UInt8] {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let open = Array("<?xml".utf8)
        guard bytes[start...].starts(with: open), bytes.count > start + 5, Tree.isWhitespace(bytes[start + 5])
        else { return Array(bytes[0..<start]) }
        var index = start + 5
        while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "?") && bytes[index + 1] == UInt8(ascii: ">")) {
            index += 1
        }
        index += 2
        while index < bytes.count, Tree.isWhitespace(bytes[index]) { index += 1 }
        return Array(bytes[0..<min(index, bytes.count)])
    }

    private static func epilog(of bytes: [UInt8]) -> [UInt8] {
        var index = bytes.count
        while index > 0, Tree.isWhitespace(bytes[index - 1]) { index -= 1 }
        return Array(bytes[index...])
    }

    /// ElementTree writes `<mac address="…" />`, libvirt and the engine `<mac address="…"/>`; keep the majority.
    private static func usesSpacedEmptyElements(_ bytes: [UInt8]) -> Bool {
        var spaced = 0
        var tight = 0
        var index = 1
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: ">"), bytes[index - 1] == UInt8(ascii: "/") {
                if index >= 2, bytes[index - 2] == 0x20 { spaced += 1 } else { tight += 1 }
            }
            index += 1
        }
        return spaced > tight
    }

    /// Rewrites `/>` that closes a tag in libxml2's own output into ` />`. libxml2's output is well-formed and
    /// its attribute values are quoted, so a small scanner that skips comments, CDATA, PIs and quoted values is
    /// exact.
    static func spacingEmptyElements(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 32)
        bytes.withUnsafeBufferPointer { appendSpacingEmptyElements($0[...], to: &out) }
        return out
    }

    static func appendSpacingEmptyElements(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8]) {
        var index = bytes.startIndex
        func skip(past terminator: String) {
            let t = Array(terminator.utf8)
            while index < bytes.endIndex, !bytes[index...].starts(with: t) {
                out.append(bytes[index])
                index += 1
            }
            out.append(contentsOf: bytes[index..<min(index + t.count, bytes.endIndex)])
            index += t.count
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "<") else {
                out.append(byte)
                index += 1
                continue
            }
            let rest = bytes[index...]
            if rest.starts(with: Array("<!--".utf8)) {
                skip(past: "-->")
            } else if rest.starts(with: Array("<![CDATA[".utf8)) {
                skip(past: "]]>")
            } else if rest.starts(with: Array("<?".utf8)) {
                skip(past: "?>")
            } else {
                var quote: UInt8? = nil
                while index < bytes.endIndex {
                    let b = bytes[index]
                    if let q = quote {
                        if b == q { quote = nil }
                    } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                        quote = b
                    } else if b == UInt8(ascii: ">") {
                        if out.last == UInt8(ascii: "/"), out.count >= 2, out[out.count - 2] != 0x20 {
                            out.insert(0x20, at: out.count - 1)
                        }
                        out.append(b)
                        index += 1
                        break
                    }
                    out.append(b)
                    index += 1
                }
            }
        }
    }

    /// The indentation step of a pretty-printed document: the indentation of the root's first indented child.
    private static func indentUnit(of doc: xmlDocPtr) -> [UInt8] {
        var child = xmlDocGetRootElement(doc)?.pointee.children
        while let node = child {
            if let text = Tree.whitespaceText(node), let newline = text.lastIndex(of: UInt8(ascii: "\n")) {
                let unit = Array(text[(newline + 1)...])
                if !unit.isEmpty { return unit }
            }
            child = node.pointee.next
        }
        return Array("    ".utf8)
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}

/// libxml2's diagnostics for one parse, reached from C callbacks through the parser context's `_private`.
final class ParseDiagnostics {
    var first: (line: Int, column: Int, message: String)?
    var documentTypeLine: Int?
    var elements = 0

    static func context(_ userData: UnsafeMutableRawPointer?) -> xmlParserCtxtPtr? {
        userData?.assumingMemoryBound(to: xmlParserCtxt.self)
    }

    static func of(_ context: xmlParserCtxtPtr) -> ParseDiagnostics? {
        context.pointee._private.map { Unmanaged<ParseDiagnostics>.fromOpaque($0).takeUnretainedValue() }
    }

    func record(_ error: xmlError) {
        guard first == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        let message = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        first = (Int(error.line), Int(error.int2), message.trimmingTrailingNewlines)
    }
}

/// Edit bookkeeping shared by a document and its elements (through `xmlDoc._private`).
final class DocumentState {
    var changes = 0
    var buried: [xmlNodePtr] = []
    var indentUnit: [UInt8] = []

    static func of(_ node: xmlNodePtr) -> DocumentState {
        // Every node of a parsed document points to it, and the document's `_private` is set right after parsing.
        Unmanaged<DocumentState>.fromOpaque(node.pointee.doc.pointee._private).takeUnretainedValue()
    }

    func bury(_ node: xmlNodePtr) {
        xmlUnlinkNode(node)
        buried.append(node)
        changes += 1
    }

    func isBuried(_ node: xmlNodePtr) -> Bool {
        // A buried node, or a node inside a buried subtree, no longer reaches the document node.
        var current: xmlNodePtr? = node
        while let n = current {
            if n.pointee.type == XML_DOCUMENT_NODE { return false }
            current = n.pointee.parent
        }
        return true
    }
}

enum LibXML {
    /// libxml2 must be initialised once before threads use it.
    static let initialized: Void = { xmlInitParser() }()
    static func initializeOnce() { _ = initialized }

    /// Frees a string libxml2 allocated for us. `xmlFree` is a C global variable (Swift 6 refuses to read it),
    /// so ask libxml2 for its deallocator instead.
    static func free(_ pointer: UnsafeMutablePointer<xmlChar>) {
        var deallocate: xmlFreeFunc?
        _ = xmlMemGet(&deallocate, nil, nil, nil)
        deallocate?(pointer)
    }
}
