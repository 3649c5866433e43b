// SPDX-License-Identifier: Apache-2.0

/// A setting that cannot be used; printed as one line naming the key, the reason and where the value came
/// from.
public struct SettingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    /// Where the value came from: `--flag`, `FABRIC_…` or `file:line`.
    public var source: String
    public var reason: String

    public init(key: String, source: String, reason: String) {
        self.key = key
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(key): \(reason) (from \(source))" }
}

/// One textual setting on its way into a configuration: its key, its value and where it came from, with the
/// checks every kind of key shares. Each failure is a ``SettingError`` naming the key and the source.
public struct SettingValue: Sendable {
    public var key: String
    public var text: String
    public var source: String

    public init(key: String, text: String, source: String) {
        self.key = key
        self.text = text
        self.source = source
    }

    public func fail(_ reason: String) -> SettingError {
        SettingError(key: key, source: source, reason: reason)
    }

    /// A finite number of seconds within `minimum...maximum`.
    public func seconds(minimum: Double, maximum: Double) throws(SettingError) -> Double {
        guard let number = Double(text), number.isFinite else { throw fail("'\(text)' is not a number of seconds") }
        guard number >= minimum, number <= maximum else {
            throw fail("\(text) is outside \(Self.format(minimum))…\(Self.format(maximum)) seconds")
        }
        return number
    }

    /// A whole number of bytes within `minimum...maximum`, written as digits (no unit suffix).
    public func bytes(minimum: Int, maximum: Int) throws(SettingError) -> Int {
        guard let number = Int(text) else { throw fail("'\(text)' is not a whole number of bytes") }
        guard number >= minimum, number <= maximum else {
            throw fail("\(text) is outside \(minimum)…\(maximum) bytes")
        }
        return number
    }

    /// An absolute path.
    public func path() throws(SettingError) -> String {
        guard text.hasPrefix("/") else { throw fail("'\(text)' is not an absolute path") }
        return text
    }

    /// `1`, not `1.0`; `0.05` as it is.
    private static func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
