// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the byte stream an OVSDB server sends, through the client's framer, its JSON parsers and
// what it builds from replies (RFC 7047 values, the switch state from a `transact` or a `monitor`). Oracles:
// nothing crashes; framing does not depend on how the stream was split into reads; a parsed value written
// back parses to itself; the two JSON parsers agree; a decoded OVSDB value encodes back to itself.
import FabricJSON
@_spi(Fuzzing) import FabricOVSDB
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOVSDBJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let stream = inputBytes(data, size)
    let oneRead = frame(stream, readSize: max(stream.count, 1))
    let manyReads = frame(stream, readSize: 1 + variant(of: stream, among: 16))
    require(oneRead == manyReads, "framing depends on the reads: \(oneRead) vs \(manyReads)")
    checkSizeLimit(stream)
    guard case .messages(let messages) = oneRead else { return 0 }
    var tableUpdates: [JSONValue] = []
    for message in messages {
        guard let value = checkParsers(message) else { continue }
        decodeEveryValue(value)
        // A reply's result, read as the four selects' results and as a monitor's initial tables; an update's.
        if let result = value["result"] {
            _ = try? OVSDBFuzzing.switchState(fromTransactResult: result)
            tableUpdates.append(result)
        }
        if value["method"] == "update", let params = value["params"]?.arrayValue, params.count == 2 {
            tableUpdates.append(params[1])
        }
    }
    _ = try? OVSDBFuzzing.switchState(fromMonitorUpdates: tableUpdates)
    return 0
}

enum Framing: Equatable, CustomStringConvertible {
    case messages([[UInt8]])
    case failed(OVSDBError.Kind)

    var description: String {
        switch self {
        case .messages(let messages): "\(messages.count) messages \(messages.map(\.count))"
        case .failed(let kind): "failed: \(kind)"
        }
    }
}

/// The stream as the client receives it, `readSize` bytes per `recv`.
func frame(_ stream: [UInt8], readSize: Int) -> Framing {
    var framer = JSONStreamFramer()
    var messages: [[UInt8]] = []
    var start = 0
    while start < stream.count {
        let end = min(start + readSize, stream.count)
        do {
            messages += try framer.append(stream[start..<end])
        } catch {
            return .failed(error.kind)
        }
        start = end
    }
    return .messages(messages)
}

/// A framer with a small limit never hands out a message above it, however the stream is split.
func checkSizeLimit(_ stream: [UInt8]) {
    let limit = 64
    var framer = JSONStreamFramer(maximumMessageSize: limit)
    var start = 0
    while start < stream.count {
        let end = min(start + 7, stream.count)
        guard let messages = try? framer.append(stream[start..<end]) else { return }
        require(messages.allSatisfy { $0.count <= limit }, "a message above the framer's limit of \(limit) bytes")
        start = end
    }
}

/// Both parsers on one message; returns the built value when there is one.
func checkParsers(_ message: [UInt8]) -> JSONValue? {
    let built = Result { () throws(JSONParseError) in try JSONValue(parsing: message) }
    let validated = Result { () throws(JSONParseError) in try JSONObjectText(validating: message) }
    switch (built, validated) {
    case (.success(.object(let members)), .success(let text)):
        require(text.members.map(\.key) == members.map(\.key), "the parsers disagree on the keys")
        for (key, _) in text.members {
            require(text.value(key) == members.first { $0.key == key }?.value, "the parsers disagree on \(key)")
        }
        if let first = members.first {
            let replaced = text.replacing(first.key, with: ["replaced": true])
            require((try? JSONObjectText(validating: replaced)) != nil, "replacing \(first.key) broke the document")
        }
    case (.success(.object), .failure(let error)):
        fatalError("oracle: an object JSONValue parses is refused by JSONObjectText: \(error)")
    case (.failure(let error), .success):
        // Only the range of numbers is JSONValue's own check: JSONObjectText passes them through as written.
        require(error.reason == "number out of range", "JSONObjectText accepts what JSONValue refuses: \(error)")
    default:
        break
    }
    guard case .success(let value) = built else { return nil }
    let written = value.serializedBytes()
    let reread = Result { () throws(JSONParseError) in try JSONValue(parsing: written) }
    require(reread == .success(value), "\(value) is written as \(value.serialized()), which reads back as \(reread)")
    return value
}

/// Every node of the message read as an OVSDB column value, as the client reads columns, and encoded back.
func decodeEveryValue(_ json: JSONValue) {
    if let value = try? OVSDBValue(json: json) {
        let again = try? OVSDBValue(json: value.json)
        require(again == value, "\(json) decodes to \(value), whose encoding \(value.json) decodes to \(String(describing: again))")
        _ = try? value.optionalInteger()
        _ = try? value.optionalString()
        _ = try? value.stringMap()
        _ = try? value.uuids()
    }
    switch json {
    case .array(let elements): for element in elements { decodeEveryValue(element) }
    case .object(let members): for member in members { decodeEveryValue(member.value) }
    default: break
    }
}
