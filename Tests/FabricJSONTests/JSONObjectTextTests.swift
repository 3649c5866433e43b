// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import Testing

/// The pass-through validator must refuse everything the parser refuses (but for the range of numbers):
/// its bytes go into a file VDSM then parses.
@Suite struct JSONObjectTextTests {
    @Test(arguments: [
        "", "{\"a\":[1,]}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":1e}",
        "{\"a\":tru}", "{\"a\":[1 2]}", "{\"a\" 1}", "{1:2}", "{\"a\":\"abc}", "{\"a\":\"a\u{1}b\"}", #"{"a":"\x"}"#,
        #"{"a":"\ud800"}"#, #"{"a":"\udc00x"}"#, #"{"a":"\u12G4"}"#, "{} {}", "{\"a\":NaN}", "{\"a\":'a'}", "{\"a\":[}",
        "{\"a\":}", "[1]", "\"s\"", "{\"a\":{\"b\":[{\"c\":}]}}",
    ])
    func rejectsWhatTheParserRejects(text: String) {
        #expect(throws: JSONParseError.self) { try JSONObjectText(validating: Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8InValuesAndExcessiveNesting() {
        #expect(throws: JSONParseError.self) { try JSONObjectText(validating: Array(#"{"a":["#.utf8) + [0x22, 0xC3, 0x28, 0x22] + Array("]}".utf8)) }
        let deep = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(throws: JSONParseError.self) { try JSONObjectText(validating: Array(deep.utf8)) }
    }

    @Test func membersAreRangesOfTheirValuesAndReplacingKeepsTheRest() throws {
        let text = #" {"schema":"fabric.host-interfaces", "interfaces":[{"name":"e\u00e9","n":-1.5e3}],"sources":{"ovsdb":{"reachable":true}}} "#
        let object = try JSONObjectText(validating: Array(text.utf8))
        #expect(object.members.map(\.key) == ["schema", "interfaces", "sources"])
        #expect(object.value("schema") == .string("fabric.host-interfaces"))
        #expect(object.value("sources")?["ovsdb"]?["reachable"] == .bool(true))
        #expect(object.value("missing") == nil)
        let replaced = object.replacing("sources", with: ["agent": ["answered": true]])
        let expected = #" {"schema":"fabric.host-interfaces", "interfaces":[{"name":"e\u00e9","n":-1.5e3}],"sources":{"agent":{"answered":true}}} "#
        #expect(String(decoding: replaced, as: UTF8.self) == expected)
        #expect(try JSONValue(parsing: replaced)["sources"]?["agent"]?["answered"] == .bool(true))
    }
}
