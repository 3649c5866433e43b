// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import Testing

@Suite struct JSONValueTests {
    @Test(arguments: [
        (#"{"a":1,"b":[true,false,null],"c":"x"}"#, JSONValue.object([.init("a", 1), .init("b", [true, false, nil]), .init("c", "x")])),
        (#"[]"#, JSONValue.array([])),
        (#"{}"#, JSONValue.object([])),
        (" \t\r\n-0 ", JSONValue.integer(0)),
        ("9223372036854775807", JSONValue.integer(.max)),
        ("-9223372036854775808", JSONValue.integer(.min)),
        ("9223372036854775808", JSONValue.double(9223372036854775808)),
        ("1.5e3", JSONValue.double(1500)),
        ("-0.25", JSONValue.double(-0.25)),
        (#""\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00""#, JSONValue.string("\"\\/\u{8}\u{c}\n\r\tAé😀")),
        (#""grüße {[\"]}""#, JSONValue.string("grüße {[\"]}")),
    ])
    func parsesValidJSON(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test(arguments: [
        "", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul", "[1 2]", "{\"a\" 1}", "{1:2}",
        "\"abc", "\"a\u{1}b\"", #""\x""#, #""\ud800""#, #""\udc00x""#, #""\u12G4""#, "[1] [2]", "NaN", "1e999",
        "'a'", "[", "{\"a\":}",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func rejectsExcessiveNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
    }

    @Test func errorNamesTheOffset() {
        #expect(throws: JSONParseError(offset: 3, reason: "expected ',' or ']' in array")) {
            try JSONValue(parsing: "[1 2]")
        }
    }

    @Test(arguments: [
        #"{"id":7,"method":"transact","params":["Open_vSwitch",{"op":"select","table":"Bridge","where":[]}]}"#,
        #"["set",[["uuid","2f1c"],"a",-1,2.5,true,null]]"#,
        #"{"z":1,"a":2,"m":{"k":"\"quoted\"\\back\nline\u0001"}}"#,
        #""é😀""#,
    ])
    func serializationRoundTrips(text: String) throws {
        let value = try JSONValue(parsing: text)
        let serialized = value.serialized()
        #expect(try JSONValue(parsing: serialized) == value)
        // Compact output and preserved member order give byte-identical text for compact input.
        #expect(serialized == text)
    }

    @Test func serializerEscapesControlCharactersAndKeepsOrder() {
        let value: JSONValue = ["b": "x\u{1}y\n", "a": [1, 2.5, nil, false]]
        #expect(value.serialized() == #"{"b":"x\u0001y\n","a":[1,2.5,null,false]}"#)
    }

    @Test func subscriptFindsMembers() throws {
        let value = try JSONValue(parsing: #"{"error":null,"result":[1],"id":3}"#)
        #expect(value["id"] == 3)
        #expect(value["error"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([])["id"] == nil)
    }
}
