// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

extension OVSDBClient {
    /// `Open_vSwitch external_ids` alone (`system-id`, `ovn-remote`, …): a cheap read for pollers that need only
    /// the host's OVN settings.
    public mutating func switchExternalIDs(timeout: Duration? = nil) throws(OVSDBError) -> [String: String] {
        let select: JSONValue = ["op": "select", "table": "Open_vSwitch", "where": [], "columns": ["external_ids"]]
        let results = try transact(database: "Open_vSwitch", operations: [select], timeout: timeout)
        guard let rows = results.first?["rows"]?.arrayValue else {
            throw .protocolViolation("select on Open_vSwitch returned no rows: \(results)")
        }
        guard let row = rows.first?.objectValue else { return [:] }
        var columns: [String: JSONValue] = [:]
        for member in row { columns[member.key] = member.value }
        return try SwitchState.column(columns, "external_ids").stringMap()
    }
}
