// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Parsing of `ip -j` output, for tests that compare fabric with iproute2.
public enum IPJSON {
    /// Parses the JSON array `ip -j` prints into dictionaries.
    public static func objects(_ output: String) throws -> [[String: Any]] {
        let value = try JSONSerialization.jsonObject(with: Data(output.utf8))
        guard let array = value as? [[String: Any]] else {
            throw ProcessRunnerError(command: ["ip", "-j"], status: 0, standardError: "not a JSON array: \(output.prefix(200))")
        }
        return array
    }

    /// A JSON number as `Int`, or `nil`.
    public static func int(_ value: Any?) -> Int? {
        (value as? NSNumber)?.intValue
    }

    /// A JSON number as `UInt64`, or `nil`.
    public static func uint64(_ value: Any?) -> UInt64? {
        (value as? NSNumber)?.uint64Value
    }

    /// Follows a key path through nested dictionaries (`["linkinfo", "info_kind"]`).
    public static func value(_ object: [String: Any], _ path: String...) -> Any? {
        var current: Any? = object
        for key in path {
            current = (current as? [String: Any])?[key]
        }
        return current
    }
}

extension NetworkNamespaceFixture {
    /// `ip -n <name> -s -s -d -j link show`: every link with details and 64-bit statistics.
    public func linkObjects() throws -> [[String: Any]] {
        try IPJSON.objects(ip("-s", "-s", "-d", "-j", "link", "show"))
    }

    /// `ip -n <name> -j addr show`: every link with its `addr_info` list.
    public func addressObjects() throws -> [[String: Any]] {
        try IPJSON.objects(ip("-j", "addr", "show"))
    }
}
