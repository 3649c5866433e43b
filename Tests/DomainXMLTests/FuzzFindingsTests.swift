// SPDX-License-Identifier: Apache-2.0
import DomainXML
import Testing

/// Defects the libFuzzer target `fuzz-domain-xml` found (docs/RELIABILITY.md, "Fuzzing"); each input is also in
/// `Fuzz/corpus/domain-xml/`, so every fuzzing run starts by replaying it.
@Suite struct FuzzFindingsTests {
    /// A UTF-16 document came back as UTF-16 with one stray newline byte: an odd length no parser accepts.
    @Test func utf16DocumentIsWrittenAsUTF8() throws {
        let text = "<?xml version='1.0' encoding='UTF-16'?>\n<interface type=\"bridge\"><alias name=\"café ☕\"/></interface>\n"
        let input: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let output = try DomainDocument(parsing: input).serialized()
        #expect(
            String(validating: output, as: UTF8.self)
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<interface type=\"bridge\"><alias name=\"café ☕\"/></interface>\n")
        let again = try DomainDocument(parsing: output)
        #expect(again.withRoot { $0.name } == "interface")
    }

    /// A document declared in a legacy encoding is written in UTF-8, and its declaration says so.
    @Test func latin1DocumentIsWrittenAsUTF8WithItsDeclarationSayingSo() throws {
        let input = Array("<?xml version='1.0' encoding=\"ISO-8859-1\"?>\n<a t=\"caf".utf8) + [0xE9] + Array("\"/>\n".utf8)
        let output = try DomainDocument(parsing: input).serializedString()
        #expect(output == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a t=\"café\"/>\n")
        #expect(try DomainDocument(parsing: output).withRoot { $0.attribute("t") } == "café")
    }

    /// In UTF-7, `?+>` ends the declaration (`+>` decodes to `>`), so the raw bytes hold no `?>`: the kept
    /// "declaration" was the whole input, and the output was not XML.
    @Test func utf7DeclarationIsNotCopiedFromTheRawBytes() throws {
        let input = "<?xml version='1.0' encoding='utf-7'?+>\n<domain xmlns:ns0=\"hm\">\netvices>\n</domain>\n"
        let output = try DomainDocument(parsing: input).serializedString()
        #expect(output == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<domain xmlns:ns0=\"hm\">\netvices&gt;\n</domain>\n")
        #expect(try DomainDocument(parsing: output).withRoot { $0.name } == "domain")
    }
}
