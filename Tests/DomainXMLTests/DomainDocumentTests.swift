// SPDX-License-Identifier: Apache-2.0
import DomainXML
import Testing

@Suite struct DomainDocumentTests {
    /// libxml2 writes attribute values in double quotes; everything else of an untouched document is kept.
    @Test(arguments: [Samples.engineDomain, Samples.oddPrefixes, Samples.hotplug, Samples.libvirtStyle])
    func untouchedRoundTripIsByteIdentical(input: String) throws {
        let document = try DomainDocument(parsing: input)
        #expect(try document.serializedString() == input)
        let unchanged = !document.hasChanges
        #expect(unchanged)
    }

    @Test func singleQuotedAttributesDifferOnlyInQuoteStyle() throws {
        let input = "<?xml version='1.0'?>\n<a x='1' y=\"2\"><b z='3' /></a>"
        let output = try DomainDocument(parsing: input).serializedString()
        #expect(output == "<?xml version='1.0'?>\n<a x=\"1\" y=\"2\"><b z=\"3\" /></a>")
    }

    @Test func declarationIsWrittenOnlyWhenPresent() throws {
        let with = try DomainDocument(parsing: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>")
        let declared = with.hasDeclaration
        #expect(declared)
        #expect(try with.serializedString() == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>")
        let without = try DomainDocument(parsing: "<a/>")
        let undeclared = !without.hasDeclaration
        #expect(undeclared)
        #expect(try without.serializedString() == "<a/>")
    }

    @Test func nonASCIITextAndAttributesStayUTF8() throws {
        let input = "<a t=\"Grüße ☕\">Ελληνικά 日本語 &amp; &#233;</a>"
        let document = try DomainDocument(parsing: input)
        document.withRoot { $0.setAttribute("u", to: "ñ") }
        let output = try document.serializedString()
        #expect(output == "<a t=\"Grüße ☕\" u=\"ñ\">Ελληνικά 日本語 &amp; é</a>")
    }

    static let malformed: [(String, String)] = [
        ("unclosed tag", "<domain><devices></domain>"),
        ("unterminated", "<domain>"),
        ("trailing garbage", "<domain/>garbage"),
        ("second root", "<a/><b/>"),
        ("duplicate attribute", "<a x=\"1\" x=\"2\"/>"),
        ("not xml", "not xml"),
        ("undeclared prefix", "<ovirt-vm:vm/>"),
        ("undefined entity", "<a>&nope;</a>"),
        ("whitespace only", "  \n"),
        ("invalid utf-8", "<a>\u{FFFD}</a>"),
    ]

    @Test(arguments: malformed)
    func malformedInputThrowsWithPosition(name: String, input: String) throws {
        var bytes = Array(input.utf8)
        if name == "invalid utf-8" { bytes = Array("<a>".utf8) + [0xC3, 0x28] + Array("</a>".utf8) }
        let error = try #require(throws: DomainXMLError.self) { _ = try DomainDocument(parsing: bytes) }
        guard case .malformed(let line, _, let message) = error else {
            Issue.record("expected malformed, got \(error)")
            return
        }
        #expect(line >= 1)
        #expect(!message.isEmpty)
        #expect(!message.hasSuffix("\n"))
    }

    @Test func emptyInputThrows() {
        #expect(throws: DomainXMLError.empty) { _ = try DomainDocument(parsing: [UInt8]()) }
    }

    @Test(arguments: [
        """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
        <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
        <lolz>&lol3;</lolz>
        """,
        "<!DOCTYPE a SYSTEM \"http://example.invalid/a.dtd\"><a/>",
        "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>",
    ])
    func documentTypeDeclarationsAreRefused(input: String) {
        #expect(throws: DomainXMLError.self) { _ = try DomainDocument(parsing: input) }
        do {
            _ = try DomainDocument(parsing: input)
        } catch {
            guard case .documentTypeDeclaration = error else {
                Issue.record("expected documentTypeDeclaration, got \(error)")
                return
            }
        }
    }

    @Test func removingDuringChildIterationIsSafe() throws {
        let document = try DomainDocument(parsing: "<a>\n  <b/>\n  <b><b/></b>\n  <c/>\n  <b/>\n</a>")
        var visited = 0
        document.withRoot { root in
            root.forEachChild(named: "b") { element in
                visited += 1
                element.remove()
            }
        }
        #expect(visited == 3)  // the nested <b> is not a child of <a>; it went with its parent
        #expect(try document.serializedString() == "<a>\n  <c/>\n</a>")
    }
}
