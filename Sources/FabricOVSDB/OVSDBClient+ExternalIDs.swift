// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

extension OVSDBClient {
    /// What an OVN poller needs from the switch, in one `transact`: `Open_vSwitch external_ids` (`system-id`,
    /// `ovn-remote`, …) and the `iface-id` of every interface that has one (the local vNICs' logical ports).
    public mutating func ovnSwitchFacts(timeout: Duration? = nil) throws(OVSDBError)
        -> (externalIDs: [String: String], ifaceIDs: [String])
    {
        let operations: [JSONValue] = [
            ["op": "select", "table": "Open_vSwitch", "where": [], "columns": ["external_ids"]],
            ["op": "select", "table": "Interface", "where": [], "columns": ["external_ids"]],
        ]
        let results = try transact(database: "Open_vSwitch", operations: operations, timeout: timeout)
        guard results.count >= 2, let roots = results[0]["rows"]?.arrayValue, let interfaces = results[1]["rows"]?.arrayValue
        else { throw .protocolViolation("selects on Open_vSwitch and Interface returned no rows: \(results)") }
        var ifaceIDs: [String] = []
        for row in interfaces {
            let ids = try Self.externalIDs(of: row)
            if let id = ids["iface-id"], !id.isEmpty { ifaceIDs.append(id) }
        }
        var externalIDs: [String: String] = [:]
        if let root = roots.first { externalIDs = try Self.externalIDs(of: root) }
        return (externalIDs, ifaceIDs.sorted())
    }

    private static func externalIDs(of row: JSONValue) throws(OVSDBError) -> [String: String] {
        guard let json = row["external_ids"] else { return [:] }
        return try OVSDBValue(json: json).stringMap()
    }
}
