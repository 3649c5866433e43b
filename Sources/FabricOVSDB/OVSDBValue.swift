// SPDX-License-Identifier: Apache-2.0
public import FabricJSON

/// One RFC 7047 atom: an integer, real, boolean, string or uuid.
public enum OVSDBAtom: Hashable, Sendable {
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case string(String)
    /// A row reference, `["uuid","…"]`.
    case uuid(String)
    /// A row inserted earlier in the same transaction, `["named-uuid","…"]`.
    case namedUUID(String)

    public var json: JSONValue {
        switch self {
        case .integer(let i): .integer(i)
        case .real(let d): .double(d)
        case .boolean(let b): .bool(b)
        case .string(let s): .string(s)
        case .uuid(let u): ["uuid", .string(u)]
        case .namedUUID(let n): ["named-uuid", .string(n)]
        }
    }

    /// Decodes an atom; `nil` when the JSON is not one (a set, a map, null, an object).
    public init?(json: JSONValue) {
        switch json {
        case .integer(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .bool(let b): self = .boolean(b)
        case .string(let s): self = .string(s)
        case .array(let pair) where pair.count == 2:
            guard case .string(let tag) = pair[0], case .string(let id) = pair[1] else { return nil }
            switch tag {
            case "uuid": self = .uuid(id)
            case "named-uuid": self = .namedUUID(id)
            default: return nil
            }
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var integerValue: Int64? {
        if case .integer(let i) = self { return i }
        return nil
    }

    public var uuidValue: String? {
        if case .uuid(let u) = self { return u }
        return nil
    }
}

/// An RFC 7047 column value: an atom, a set or a map.
///
/// On the wire a one-element set may be sent as the bare atom and an empty optional value is
/// `["set",[]]`, so decoding is lenient where RFC 7047 allows it; the accessors (``atoms``,
/// ``optionalInteger``, ``stringMap``, ``uuids``) hide that difference.
public enum OVSDBValue: Hashable, Sendable {
    case atom(OVSDBAtom)
    case set([OVSDBAtom])
    case map([Pair])

    public struct Pair: Hashable, Sendable {
        public var key: OVSDBAtom
        public var value: OVSDBAtom

        public init(_ key: OVSDBAtom, _ value: OVSDBAtom) {
            self.key = key
            self.value = value
        }
    }

    /// The empty set, which is also how an unset optional column reads.
    public static let empty = OVSDBValue.set([])

    /// A `string → string` map, keys sorted so the encoding is stable.
    public static func stringMap(_ dictionary: [String: String]) -> OVSDBValue {
        .map(dictionary.sorted { $0.key < $1.key }.map { Pair(.string($0.key), .string($0.value)) })
    }

    /// A set of strings, sorted so the encoding is stable.
    public static func stringSet(_ strings: some Sequence<String>) -> OVSDBValue {
        .set(strings.sorted().map { .string($0) })
    }

    public var json: JSONValue {
        switch self {
        case .atom(let atom): atom.json
        case .set(let atoms): ["set", .array(atoms.map(\.json))]
        case .map(let pairs): ["map", .array(pairs.map { [$0.key.json, $0.value.json] })]
        }
    }

    /// Decodes a column value.
    ///
    /// - Throws: ``OVSDBError`` of kind `.protocolViolation` for JSON that is none of the RFC 7047
    ///   encodings (a nested set, a map entry that is not a pair, an unknown tag, an object).
    public init(json: JSONValue) throws(OVSDBError) {
        if let atom = OVSDBAtom(json: json) {
            self = .atom(atom)
            return
        }
        guard case .array(let tagged) = json, tagged.count == 2, case .string(let tag) = tagged[0],
            case .array(let elements) = tagged[1]
        else { throw .protocolViolation("not an OVSDB value: \(json)") }
        switch tag {
        case "set":
            var atoms: [OVSDBAtom] = []
            atoms.reserveCapacity(elements.count)
            for element in elements {
                guard let atom = OVSDBAtom(json: element) else {
                    throw .protocolViolation("set element is not an atom: \(element)")
                }
                atoms.append(atom)
            }
            self = .set(atoms)
        case "map":
            var pairs: [Pair] = []
            pairs.reserveCapacity(elements.count)
            for element in elements {
                guard case .array(let pair) = element, pair.count == 2, let key = OVSDBAtom(json: pair[0]),
                    let value = OVSDBAtom(json: pair[1])
                else { throw .protocolViolation("map entry is not a [key, value] pair of atoms: \(element)") }
                pairs.append(Pair(key, value))
            }
            self = .map(pairs)
        default:
            throw .protocolViolation("unknown OVSDB value tag \"\(tag)\" in \(json)")
        }
    }

    /// The elements of a set, or the bare atom as a one-element set. A map yields no atoms.
    public var atoms: [OVSDBAtom] {
        switch self {
        case .atom(let atom): [atom]
        case .set(let atoms): atoms
        case .map: []
        }
    }

    /// An optional integer column (`ofport`, `tag`, `ifindex`): `nil` for the empty set.
    ///
    /// - Throws: when the value holds a non-integer or more than one element.
    public func optionalInteger() throws(OVSDBError) -> Int64? {
        if case .map = self { throw .protocolViolation("expected an optional integer, got \(json)") }
        let atoms = self.atoms
        guard atoms.count <= 1 else { throw .protocolViolation("expected an optional integer, got \(json)") }
        guard let atom = atoms.first else { return nil }
        guard case .integer(let value) = atom else {
            throw .protocolViolation("expected an optional integer, got \(json)")
        }
        return value
    }

    /// An optional string column (`mac_in_use`): `nil` for the empty set.
    public func optionalString() throws(OVSDBError) -> String? {
        if case .map = self { throw .protocolViolation("expected an optional string, got \(json)") }
        let atoms = self.atoms
        guard atoms.count <= 1 else { throw .protocolViolation("expected an optional string, got \(json)") }
        guard let atom = atoms.first else { return nil }
        guard case .string(let value) = atom else {
            throw .protocolViolation("expected an optional string, got \(json)")
        }
        return value
    }

    /// A `string → string` map column (`external_ids`, `other_config`, `options`).
    ///
    /// - Throws: for anything but a map of strings; a duplicate key keeps the last value.
    public func stringMap() throws(OVSDBError) -> [String: String] {
        guard case .map(let pairs) = self else {
            // An empty map may be written as an empty set by lenient peers.
            if case .set(let atoms) = self, atoms.isEmpty { return [:] }
            throw .protocolViolation("expected a string map, got \(json)")
        }
        var result: [String: String] = [:]
        result.reserveCapacity(pairs.count)
        for pair in pairs {
            guard case .string(let key) = pair.key, case .string(let value) = pair.value else {
                throw .protocolViolation("expected a string map, got \(json)")
            }
            result[key] = value
        }
        return result
    }

    /// A set of strings (`datapath_types`), in wire order.
    public func strings() throws(OVSDBError) -> [String] {
        if case .map = self { throw .protocolViolation("expected a set of strings, got \(json)") }
        var result: [String] = []
        for atom in atoms {
            guard case .string(let value) = atom else { throw .protocolViolation("expected a set of strings, got \(json)") }
            result.append(value)
        }
        return result
    }

    /// A set of row references (`Bridge.ports`, `Port.interfaces`), as uuid strings in wire order.
    public func uuids() throws(OVSDBError) -> [String] {
        if case .map = self { throw .protocolViolation("expected a set of uuids, got \(json)") }
        var result: [String] = []
        for atom in atoms {
            guard case .uuid(let uuid) = atom else { throw .protocolViolation("expected a set of uuids, got \(json)") }
            result.append(uuid)
        }
        return result
    }
}
