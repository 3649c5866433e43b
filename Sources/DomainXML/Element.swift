// SPDX-License-Identifier: Apache-2.0
internal import CLibXML2

/// A borrowed view of one element of a ``DomainDocument``.
///
/// `~Copyable` and only ever lent to closures, so it cannot be stored and outlive its document. Names are
/// matched by local name and namespace URI; `namespace: nil` means "in no namespace", as libvirt's elements are.
public struct Element: ~Copyable {
    let node: xmlNodePtr

    init(_ node: xmlNodePtr) { self.node = node }

    /// The local name (without prefix).
    public var name: String { String(cString: node.pointee.name) }

    /// The namespace URI, or nil for an element in no namespace.
    public var namespaceURI: String? { node.pointee.ns?.pointee.href.map { String(cString: $0) } }

    /// The text of the element and its descendants.
    public var text: String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { LibXML.free(content) }
        return String(cString: content)
    }

    /// The attributes in document order, as (local name, value); namespaced attributes are included by local name.
    public var attributes: [(name: String, value: String)] {
        var result: [(String, String)] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            result.append((String(cString: current.pointee.name), value(of: current)))
            attribute = current.pointee.next
        }
        return result
    }

    /// Whether `name` (a local name) with `value` is the element's one attribute: ``attributes`` compared to a
    /// single pair, without building the list.
    public func hasOnlyAttribute(_ name: String, value: String) -> Bool {
        guard let only = node.pointee.properties, only.pointee.next == nil,
            String(cString: only.pointee.name) == name
        else { return false }
        return self.value(of: only) == value
    }

    /// An attribute's value with its entities resolved; empty for an attribute without content.
    private func value(of attribute: xmlAttrPtr) -> String {
        guard let text = xmlNodeListGetString(node.pointee.doc, attribute.pointee.children, 1) else { return "" }
        defer { LibXML.free(text) }
        return String(cString: text)
    }

    /// The value of the attribute `name` in no namespace.
    public func attribute(_ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { LibXML.free(value) }
        return String(cString: value)
    }

    /// The value of the attribute `name` in namespace `uri`.
    public func attribute(_ name: String, namespace uri: String) -> String? {
        guard let value = xmlGetNsProp(node, name, uri) else { return nil }
        defer { LibXML.free(value) }
        return String(cString: value)
    }

    /// Sets an attribute in no namespace; an existing one keeps its position. Setting the current value is
    /// not a change.
    public func setAttribute(_ name: String, to value: String) {
        if attribute(name) == value { return }
        xmlSetProp(node, name, value)
        DocumentState.of(node).changes += 1
    }

    /// Whether this element has the given local name and namespace URI.
    public func isNamed(_ name: String, namespace uri: String? = nil) -> Bool {
        Tree.matches(node, name, uri)
    }

    /// Calls `body` for each child element named (`name`, `uri`), in order. `body` may remove the element it
    /// is given or any other; removed elements are not visited.
    public func forEachChild(
        named name: String,
        namespace uri: String? = nil,
        _ body: (borrowing Element) throws -> Void
    ) rethrows {
        let state = DocumentState.of(node)
        for child in Tree.children(of: node, named: name, uri) where !state.isBuried(child) {
            try body(Element(child))
        }
    }

    /// Calls `body` for every child element, whatever its name.
    public func forEachChildElement(_ body: (borrowing Element) throws -> Void) rethrows {
        let state = DocumentState.of(node)
        for child in Tree.children(of: node) where !state.isBuried(child) {
            try body(Element(child))
        }
    }

    /// Lends the first child element named (`name`, `uri`) to `body`; nil if there is none.
    public func withFirstChild<R>(
        named name: String,
        namespace uri: String? = nil,
        _ body: (borrowing Element) throws -> R
    ) rethrows -> R? {
        guard let child = Tree.children(of: node, named: name, uri).first else { return nil }
        return try body(Element(child))
    }

    /// The number of child elements named (`name`, `uri`).
    public func countChildren(named name: String, namespace uri: String? = nil) -> Int {
        Tree.children(of: node, named: name, uri).count
    }

    /// Appends a new child element with `attributes` in the given order, then lends it to `body` to fill.
    ///
    /// In a pretty-printed parent the new element gets its own line at the children's indentation, and the
    /// closing tag keeps its own; a compact (single-line) parent stays compact. A namespaced element reuses
    /// an in-scope declaration of `uri`, or declares it on the new element with `prefix`.
    public func appendChild(
        named name: String,
        namespace uri: String? = nil,
        prefix: String? = nil,
        attributes: KeyValuePairs<String, String> = [:],
        _ body: (borrowing Element) throws -> Void
    ) rethrows {
        let child = Tree.newElement(named: name, namespace: uri, prefix: prefix, in: node, attributes: attributes)
        Tree.append(child, to: node)
        DocumentState.of(node).changes += 1
        try body(Element(child))
    }

    /// Appends a new, empty child element; see ``appendChild(named:namespace:prefix:attributes:_:)``.
    public func appendChild(
        named name: String,
        namespace uri: String? = nil,
        prefix: String? = nil,
        attributes: KeyValuePairs<String, String> = [:]
    ) {
        appendChild(named: name, namespace: uri, prefix: prefix, attributes: attributes) { _ in }
    }

    /// Removes this element together with the whitespace text that indents it.
    public func remove() {
        let state = DocumentState.of(node)
        if let previous = node.pointee.prev, Tree.whitespaceText(previous) != nil { state.bury(previous) }
        state.bury(node)
    }

    /// Replaces this element, in place, by a new one with the given name and attributes, lent to `body`.
    public func replace(
        withElementNamed name: String,
        namespace uri: String? = nil,
        prefix: String? = nil,
        attributes: KeyValuePairs<String, String> = [:],
        _ body: (borrowing Element) throws -> Void
    ) rethrows {
        guard let parent = node.pointee.parent else { return }
        let replacement = Tree.newElement(
            named: name, namespace: uri, prefix: prefix, in: parent, attributes: attributes)
        Tree.link(replacement, into: parent, before: node)
        DocumentState.of(node).bury(node)
        try body(Element(replacement))
    }
}

extension Element {
    /// Replaces this element by a new, empty one; see ``replace(withElementNamed:namespace:prefix:attributes:_:)``.
    public func replace(
        withElementNamed name: String,
        namespace uri: String? = nil,
        prefix: String? = nil,
        attributes: KeyValuePairs<String, String> = [:]
    ) {
        replace(withElementNamed: name, namespace: uri, prefix: prefix, attributes: attributes) { _ in }
    }
}

/// Raw tree helpers. Nodes are linked by hand: libxml2's xmlAddChild/xmlAddPrevSibling merge adjacent text
/// nodes and free one of them, which would break indentation bookkeeping and invalidate pointers.
enum Tree {
    static func matches(_ node: xmlNodePtr, _ name: String, _ uri: String?) -> Bool {
        guard node.pointee.type == XML_ELEMENT_NODE, xmlStrEqual(node.pointee.name, name) != 0 else { return false }
        let href = node.pointee.ns?.pointee.href
        switch (uri, href) {
        case (nil, nil): return true
        case (let uri?, let href?): return xmlStrEqual(href, uri) != 0
        default: return false
        }
    }

    static func children(of node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    static func children(of node: xmlNodePtr, named name: String, _ uri: String?) -> [xmlNodePtr] {
        children(of: node).filter { matches($0, name, uri) }
    }

    /// XML's whitespace bytes (space, tab, line feed, carriage return). Comparisons, not a `Set`: a hook's start
    /// would build the set's generic metadata from its mangled name, for four bytes.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The content of a text node made only of whitespace, else nil.
    static func whitespaceText(_ node: xmlNodePtr) -> [UInt8]? {
        guard node.pointee.type == XML_TEXT_NODE, let content = node.pointee.content else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while content[index] != 0 {
            let byte = content[index]
            guard isWhitespace(byte) else { return nil }
            bytes.append(byte)
            index += 1
        }
        return bytes
    }

    static func newElement(
        named name: String,
        namespace uri: String?,
        prefix: String?,
        in parent: xmlNodePtr,
        attributes: KeyValuePairs<String, String>
    ) -> xmlNodePtr {
        let doc = parent.pointee.doc
        // Allocation failure of a few bytes is not recoverable in a hook; libxml2 returns NULL only then.
        let element = xmlNewDocNode(doc, nil, name, nil)!
        if let uri {
            if let existing = xmlSearchNsByHref(doc, parent, uri) {
                xmlSetNs(element, existing)
            } else {
                xmlSetNs(element, xmlNewNs(element, uri, prefix))
            }
        }
        for (key, value) in attributes { xmlNewProp(element, key, value) }
        return element
    }

    static func link(_ node: xmlNodePtr, into parent: xmlNodePtr, before next: xmlNodePtr?) {
        node.pointee.parent = parent
        if let next {
            node.pointee.next = next
            node.pointee.prev = next.pointee.prev
            if let previous = next.pointee.prev { previous.pointee.next = node } else { parent.pointee.children = node }
            next.pointee.prev = node
        } else {
            node.pointee.prev = parent.pointee.last
            node.pointee.next = nil
            if let last = parent.pointee.last { last.pointee.next = node } else { parent.pointee.children = node }
            parent.pointee.last = node
        }
    }

    static func newText(_ bytes: [UInt8], in doc: xmlDocPtr?) -> xmlNodePtr {
        let text = bytes.withUnsafeBufferPointer { xmlNewDocTextLen(doc, $0.baseAddress, Int32($0.count)) }
        return text!
    }

    /// Appends `child` as the last element of `parent`, indented like its siblings when `parent` is pretty.
    static func append(_ child: xmlNodePtr, to parent: xmlNodePtr) {
        let doc = parent.pointee.doc
        let elements = children(of: parent)
        if let lastElement = elements.last {
            guard let previous = lastElement.pointee.prev, let indent = whitespaceText(previous),
                indent.contains(UInt8(ascii: "\n"))
            else {
                link(child, into: parent, before: nil)  // compact parent: stay compact
                return
            }
            // Insert after the last element, before the closing indentation (if any).
            let anchor = lastElement.pointee.next
            link(newText(indent, in: doc), into: parent, before: anchor)
            link(child, into: parent, before: anchor)
            return
        }
        // No element children yet: indent one step deeper than the parent if the parent sits on its own line.
        guard parent.pointee.children == nil, let previous = parent.pointee.prev, let outer = whitespaceText(previous),
            outer.contains(UInt8(ascii: "\n"))
        else {
            link(child, into: parent, before: nil)
            return
        }
        let unit = DocumentState.of(parent).indentUnit
        link(newText(outer + unit, in: doc), into: parent, before: nil)
        link(child, into: parent, before: nil)
        link(newText(outer, in: doc), into: parent, before: nil)
    }
}
