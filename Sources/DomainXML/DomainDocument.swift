// SPDX-License-Identifier: Apache-2.0
internal import CLibXML2

/// One XML document parsed strictly and written back gently: the owner of a libxml2 tree.
///
/// Parsing refuses anything that is not one well-formed, namespace-well-formed document: no recovery, no
/// network, no DTD (so no entity can be declared or expanded). libxml2's diagnostics are captured into the
/// thrown error and never reach stderr, which VDSM would otherwise log and show to the user.
///
/// Writing keeps what was not edited: attribute order, whitespace text, comments, namespace declarations
/// (even redundant ones), the original XML declaration byte for byte, the trailing whitespace after the root
/// and the ` />` spelling of empty elements when the input used it (ElementTree, which VDSM uses, does).
/// libxml2 writes attribute values in double quotes; that is the only difference of an untouched round trip.
///
/// Elements are reached only through closures that *borrow* a `~Copyable` ``Element``, so no node can outlive
/// this owner. Removed nodes are kept until the document is freed, so a removal never leaves an ``Element``
/// (or a pending XPath result) dangling.
public struct DomainDocument: ~Copyable {
    let doc: xmlDocPtr
    let state: DocumentState
    /// The declaration and the whitespace after it, verbatim (plus a UTF-8 byte order mark if present).
    let prolog: [UInt8]
    /// The whitespace after the last top-level node, verbatim.
    let epilog: [UInt8]
    let spacedEmptyElements: Bool

    /// Parses `bytes` (UTF-8 unless the declaration names another encoding).
    public init(parsing bytes: [UInt8]) throws(DomainXMLError) {
        guard !bytes.isEmpty else { throw .empty }
        LibXML.initializeOnce()
        let parsed = try bytes.withUnsafeBufferPointer { (buffer) throws(DomainXMLError) -> xmlDocPtr in
            try Self.parse(buffer)
        }
        doc = parsed
        state = DocumentState()
        doc.pointee._private = Unmanaged.passUnretained(state).toOpaque()
        prolog = Self.prolog(of: bytes)
        epilog = Self.epilog(of: bytes)
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

    /// Calls `body` for every element selected by `xpath`, in document order. Every prefix the expression
    /// uses must be registered in `namespaces` (prefix → URI); the document's own prefixes are not used.
    public func forEachElement(
        matching xpath: String,
        namespaces: [String: String] = [:],
        _ body: (borrowing Element) throws -> Void
    ) throws {
        for node in try select(xpath, namespaces: namespaces) {
            // An element buried by an earlier iteration is skipped: it is no longer in the document.
            if state.isBuried(node) { continue }
            try body(Element(node))
        }
    }

    /// The number of elements selected by `xpath`.
    public func count(matching xpath: String, namespaces: [String: String] = [:]) throws(DomainXMLError) -> Int {
        try select(xpath, namespaces: namespaces).count
    }

    /// The document as bytes: unformatted, declaration only if the input had one, and always UTF-8.
    ///
    /// VDSM reads a hook's file as UTF-8 whatever the input declared, so a document read from UTF-16 or a
    /// legacy encoding is written in UTF-8, with a new declaration (if it had one) saying so.
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
        var body = Array(UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(buffer))))
        // libxml2 ends every top-level node with a newline; put back what the input had instead.
        if body.last == UInt8(ascii: "\n") { body.removeLast() }
        if spacedEmptyElements { body = Self.spacingEmptyElements(body) }
        let encoding = doc.pointee.encoding.map { String(cString: $0).lowercased() } ?? "utf-8"
        guard !["utf-8", "utf8"].contains(encoding) else { return prolog + body + epilog }
        // The input's declaration names another encoding, and its bytes may not even be ASCII-compatible
        // (UTF-7's `?+>` decodes to `?>`), so the verbatim prolog cannot be kept: write a declaration of UTF-8.
        guard hasDeclaration else { return body + epilog }
        let version = doc.pointee.version.map { String(cString: $0) } ?? "1.0"
        return Array("<?xml version=\"\(version)\" encoding=\"UTF-8\"?>\n".utf8) + body + epilog
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
        guard let doc, ctxt.pointee.wellFormed != 0, ctxt.pointee.nsWellFormed != 0,
            xmlDocGetRootElement(doc) != nil
        else {
            if let doc { xmlFreeDoc(doc) }
            let first = diagnostics.first ?? (0, 0, "not a well-formed XML document")
            throw .malformed(line: first.line, column: first.column, message: first.message)
        }
        return doc
    }

    private static let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]

    private static func prolog(of bytes: [UInt8]) -> [UInt8] {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let open = Array("<?xml".utf8)
        guard bytes[start...].starts(with: open), bytes.count > start + 5, whitespace.contains(bytes[start + 5])
        else { return Array(bytes[0..<start]) }
        var index = start + 5
        while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "?") && bytes[index + 1] == UInt8(ascii: ">")) {
            index += 1
        }
        index += 2
        while index < bytes.count, whitespace.contains(bytes[index]) { index += 1 }
        return Array(bytes[0..<min(index, bytes.count)])
    }

    private static func epilog(of bytes: [UInt8]) -> [UInt8] {
        var index = bytes.count
        while index > 0, whitespace.contains(bytes[index - 1]) { index -= 1 }
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
        var index = 0
        func skip(past terminator: String) {
            let t = Array(terminator.utf8)
            while index < bytes.count, !bytes[index...].starts(with: t) {
                out.append(bytes[index])
                index += 1
            }
            out.append(contentsOf: bytes[index..<min(index + t.count, bytes.count)])
            index += t.count
        }
        while index < bytes.count {
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
                while index < bytes.count {
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
        return out
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

    // MARK: - XPath

    private func select(_ xpath: String, namespaces: [String: String]) throws(DomainXMLError) -> [xmlNodePtr] {
        guard let context = xmlXPathNewContext(doc) else { throw .invalidXPath(expression: xpath, message: "no memory") }
        defer { xmlXPathFreeContext(context) }
        // Without a handler libxml2 prints XPath errors on stderr; the message is read from lastError instead.
        context.pointee.error = { _, _ in }
        for (prefix, uri) in namespaces where xmlXPathRegisterNs(context, prefix, uri) != 0 {
            throw .invalidXPath(expression: xpath, message: "cannot register prefix \(prefix)")
        }
        guard let result = xmlXPathEvalExpression(xpath, context) else {
            let message = context.pointee.lastError.message.map { String(cString: $0) } ?? "evaluation failed"
            throw .invalidXPath(expression: xpath, message: message.trimmingTrailingNewlines)
        }
        defer { xmlXPathFreeObject(result) }
        guard let set = result.pointee.nodesetval, set.pointee.nodeNr > 0, let table = set.pointee.nodeTab else {
            return []
        }
        return (0..<Int(set.pointee.nodeNr)).compactMap { table[$0] }.filter {
            $0.pointee.type == XML_ELEMENT_NODE
        }
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
