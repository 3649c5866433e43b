// SPDX-License-Identifier: Apache-2.0
public import FabricJSON

/// The southbound tables and columns fabric reads (OVN_Southbound 20.x, OVN 22.03 and later).
enum SouthboundColumns {
    static let byTable: [(table: String, columns: [String])] = [
        ("Chassis", ["name", "hostname", "encaps"]),
        ("Encap", ["type", "ip"]),
        ("Datapath_Binding", ["external_ids"]),
        ("Port_Binding", ["logical_port", "type", "chassis", "datapath", "external_ids"]),
    ]
}

extension OVSDBClient {
    /// Reads the southbound view in one `transact` of four selects (a consistent snapshot) from a
    /// connection to an `OVN_Southbound` database (ovn-controller's `ovn-remote`).
    public mutating func southbound(timeout: Duration? = nil) throws(OVSDBError) -> OVNSouthbound {
        let operations: [JSONValue] = SouthboundColumns.byTable.map { table, columns in
            [
                "op": "select", "table": .string(table), "where": [],
                "columns": .array((["_uuid"] + columns).map { .string($0) }),
            ]
        }
        let results = try transact(database: "OVN_Southbound", operations: operations, timeout: timeout)
        return try OVNSouthbound(selectResults: results)
    }
}

extension OVNSouthbound {
    /// The view from the results of the four selects of ``OVSDBClient/southbound(timeout:)``.
    public init(selectResults results: [JSONValue]) throws(OVSDBError) {
        let names = SouthboundColumns.byTable.map(\.table)
        guard results.count >= names.count else {
            throw .protocolViolation("transact returned \(results.count) results for \(names.count) selects")
        }
        var tables: [TableRows] = []
        for (index, result) in results.prefix(names.count).enumerated() {
            guard let rows = result["rows"]?.arrayValue else {
                throw .protocolViolation("select on \(names[index]) returned no rows: \(result)")
            }
            var byUUID: TableRows = [:]
            for row in rows {
                guard let members = row.objectValue, let uuidValue = row["_uuid"],
                    case .uuid(let uuid) = OVSDBAtom(json: uuidValue)
                else { throw .protocolViolation("selected \(names[index]) row without _uuid: \(row)") }
                var columns: [String: JSONValue] = [:]
                for member in members { columns[member.key] = member.value }
                byUUID[uuid] = columns
            }
            tables.append(byUUID)
        }
        try self.init(chassis: tables[0], encaps: tables[1], datapaths: tables[2], portBindings: tables[3])
    }

    /// Joins raw rows; references to absent rows are left unresolved rather than treated as errors.
    init(chassis: TableRows, encaps: TableRows, datapaths: TableRows, portBindings: TableRows) throws(OVSDBError) {
        typealias S = SwitchState
        var encapByUUID: [String: Encap] = [:]
        for (uuid, row) in encaps {
            encapByUUID[uuid] = Encap(type: try S.string(row, "type"), ip: try S.string(row, "ip"))
        }
        var chassisByUUID: [String: Chassis] = [:]
        for (uuid, row) in chassis {
            let rowEncaps = try S.column(row, "encaps").uuids().compactMap { encapByUUID[$0] }
            chassisByUUID[uuid] = Chassis(
                name: try S.string(row, "name"), hostname: try S.string(row, "hostname"),
                encaps: rowEncaps.sorted { ($0.type, $0.ip) < ($1.type, $1.ip) })
        }
        var datapathByUUID: [String: Datapath] = [:]
        for (uuid, row) in datapaths {
            datapathByUUID[uuid] = Datapath(uuid: uuid, externalIDs: try S.column(row, "external_ids").stringMap())
        }
        var bindings: [String: PortBinding] = [:]
        for row in portBindings.values {
            let name = try S.string(row, "logical_port")
            let chassisUUID = try S.column(row, "chassis").uuids().first
            let datapathUUID = try S.column(row, "datapath").uuids().first
            bindings[name] = PortBinding(
                logicalPort: name, type: try S.string(row, "type"),
                chassis: chassisUUID.flatMap { chassisByUUID[$0]?.name },
                datapath: datapathUUID.flatMap { datapathByUUID[$0] },
                externalIDs: try S.column(row, "external_ids").stringMap())
        }
        self.init(chassis: chassisByUUID.values.sorted { $0.name < $1.name }, portBindings: bindings)
    }
}
