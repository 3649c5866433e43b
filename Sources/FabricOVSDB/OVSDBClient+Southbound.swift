// SPDX-License-Identifier: Apache-2.0
public import FabricJSON

/// The southbound tables and columns fabric reads (OVN_Southbound 20.x, OVN 22.03 and later).
enum SouthboundColumns {
    /// Read whole: one row per chassis and per logical datapath.
    static let whole: [(table: String, columns: [String])] = [
        ("Chassis", ["name", "hostname", "encaps"]),
        ("Encap", ["type", "ip"]),
        ("Datapath_Binding", ["external_ids"]),
    ]
    static let portBinding = ["logical_port", "type", "chassis", "datapath", "external_ids"]

    static func select(_ table: String, _ columns: [String], where conditions: [JSONValue] = []) -> JSONValue {
        ["op": "select", "table": .string(table), "where": .array(conditions),
         "columns": .array((["_uuid"] + columns).map { .string($0) })]
    }
}

extension OVSDBClient {
    /// Reads the southbound view in one `transact` (a consistent snapshot) from a connection to an
    /// `OVN_Southbound` database (ovn-controller's `ovn-remote`).
    ///
    /// - Parameter logicalPorts: the port bindings to read, by logical port (a host needs only its own vNICs',
    ///   and a large deployment has tens of thousands); `nil` reads every one.
    public mutating func southbound(logicalPorts: [String]? = nil, timeout: Duration? = nil) throws(OVSDBError)
        -> OVNSouthbound
    {
        var operations = SouthboundColumns.whole.map { SouthboundColumns.select($0.table, $0.columns) }
        if let logicalPorts {
            operations += Set(logicalPorts).sorted().map { port in
                SouthboundColumns.select(
                    "Port_Binding", SouthboundColumns.portBinding,
                    where: [["logical_port", "==", .string(port)]])
            }
        } else {
            operations.append(SouthboundColumns.select("Port_Binding", SouthboundColumns.portBinding))
        }
        let results = try transact(database: "OVN_Southbound", operations: operations, timeout: timeout)
        return try OVNSouthbound(selectResults: Array(results.prefix(operations.count)))
    }
}

extension OVNSouthbound {
    /// The view from the results of the selects of ``OVSDBClient/southbound(logicalPorts:timeout:)``: Chassis,
    /// Encap, Datapath_Binding, then any number of Port_Binding selects.
    public init(selectResults results: [JSONValue]) throws(OVSDBError) {
        let whole = SouthboundColumns.whole.count
        guard results.count >= whole else {
            throw .protocolViolation("transact returned \(results.count) results for at least \(whole) selects")
        }
        let names = SouthboundColumns.whole.map(\.table) + Array(repeating: "Port_Binding", count: results.count - whole)
        var tables: [TableRows] = []
        for (index, result) in results.enumerated() {
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
        var portBindings: TableRows = [:]
        for table in tables.dropFirst(whole) { portBindings.merge(table) { first, _ in first } }
        try self.init(chassis: tables[0], encaps: tables[1], datapaths: tables[2], portBindings: portBindings)
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
