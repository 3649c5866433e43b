// SPDX-License-Identifier: Apache-2.0

/// One textual setting on its way into a configuration: its key, its value and where it came from
/// (a flag, a variable or a file line), with the checks every kind of key shares. Each failure is an
/// ``AgentConfigurationError`` naming the key and the source.
struct ConfigurationValue {
    var key: String
    var text: String
    var source: String

    func fail(_ reason: String) -> AgentConfigurationError {
        AgentConfigurationError(key: key, source: source, reason: reason)
    }

    /// A finite number of seconds within `minimum...maximum`.
    func seconds(minimum: Double, maximum: Double) throws(AgentConfigurationError) -> Double {
        guard let number = Double(text), number.isFinite else { throw fail("'\(text)' is not a number of seconds") }
        guard number >= minimum, number <= maximum else {
            throw fail("\(text) is outside \(Self.format(minimum))…\(Self.format(maximum)) seconds")
        }
        return number
    }

    /// An absolute path.
    func path() throws(AgentConfigurationError) -> String {
        guard text.hasPrefix("/") else { throw fail("'\(text)' is not an absolute path") }
        return text
    }

    /// `1`, not `1.0`; `0.05` as it is.
    private static func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
