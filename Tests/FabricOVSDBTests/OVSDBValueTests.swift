// SPDX-License-Identifier: Apache-2.0

import FabricJSON
import FabricOVSDB
import Testing

@Suite struct OVSDBValueTests {
    @Test(arguments: [
        (#"["set",["a","b"]]"#, OVSDBValue.set([.string("a"), .string("b")])),
        (#"["set",[]]"#, OVSDBValue.set([])),
        (#""a""#, OVSDBValue.atom(.string("a"))),
        (#"7"#, OVSDBValue.atom(.integer(7))),
        (#"1.5"#, OVSDBValue.atom(.real(1.5))),
        (#"true"#, OVSDBValue.atom(.boolean(true))),
        (#"["uuid","36b2e7e6-0000-4000-8000-000000000001"]"#, OVSDBValue.atom(.uuid("36b2e7e6-0000-4000-8000-000000000001"))),
        (#"["named-uuid","row1"]"#, OVSDBValue.atom(.namedUUID("row1"))),
        (#"["map",[["iface-id","x"],["n",1]]]"#, OVSDBValue.map([.init(.string("iface-id"), .string("x")), .init(.string("n"), .integer(1))])),
        (#"["map",[]]"#, OVSDBValue.map([])),
        (#"["set",[["uuid","u1"],["uuid","u2"]]]"#, OVSDBValue.set([.uuid("u1"), .uuid("u2")])),
    ])
    func roundTrips(text: String, value: OVSDBValue) throws {
        let json = try JSONValue(parsing: text)
        #expect(try OVSDBValue(json: json) == value)
        #expect(value.json.serialized() == text)
    }

    @Test(arguments: [
        #"["set",[["set",[]]]]"#, #"["map",[["a"]]]"#, #"["bag",[]]"#, #"{"a":1}"#, "null", #"["uuid",1]"#,
        #"["map",[[["set",[]],"v"]]]"#,
    ])
    func rejectsInvalidEncodings(text: String) throws {
        let json = try JSONValue(parsing: text)
        #expect(throws: OVSDBError.self) { try OVSDBValue(json: json) }
    }

    @Test(arguments: [(#"["set",[]]"#, nil), ("5", 5), (#"["set",[-1]]"#, -1), ("65534", 65534)] as [(String, Int64?)])
    func optionalInteger(text: String, expected: Int64?) throws {
        #expect(try OVSDBValue(json: JSONValue(parsing: text)).optionalInteger() == expected)
    }

    @Test(arguments: [#"["set",[1,2]]"#, #""x""#, #"["map",[]]"#])
    func optionalIntegerRejectsOtherShapes(text: String) throws {
        let value = try OVSDBValue(json: JSONValue(parsing: text))
        #expect(throws: OVSDBError.self) { try value.optionalInteger() }
    }

    @Test func stringMapAndUUIDSet() throws {
        let map = try OVSDBValue(json: JSONValue(parsing: #"["map",[["attached-mac","56:6f:1a:2b:00:07"],["iface-id","p1"]]]"#))
        #expect(try map.stringMap() == ["attached-mac": "56:6f:1a:2b:00:07", "iface-id": "p1"])
        #expect(try OVSDBValue.empty.stringMap() == [:])
        #expect(throws: OVSDBError.self) { try OVSDBValue.atom(.string("x")).stringMap() }
        // A one-element set may arrive as the bare atom.
        #expect(try OVSDBValue(json: JSONValue(parsing: #"["uuid","u1"]"#)).uuids() == ["u1"])
        #expect(try OVSDBValue(json: JSONValue(parsing: #"["set",[["uuid","u1"],["uuid","u2"]]]"#)).uuids() == ["u1", "u2"])
        #expect(try OVSDBValue.empty.uuids() == [])
        #expect(throws: OVSDBError.self) { try OVSDBValue.atom(.string("u1")).uuids() }
    }

    @Test func stringMapEncodingIsSorted() {
        #expect(OVSDBValue.stringMap(["b": "2", "a": "1"]).json.serialized() == #"["map",[["a","1"],["b","2"]]]"#)
        #expect(OVSDBValue.stringSet(["b", "a"]).json.serialized() == #"["set",["a","b"]]"#)
    }
}
