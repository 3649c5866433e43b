// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

/// The columns fabric reads, per table. `_uuid` is added for selects; monitors key rows by uuid.
enum SwitchColumns {
    static let openVSwitch = ["bridges", "external_ids", "ovs_version", "datapath_types"]
    static let bridge = ["name", "ports", "datapath_type", "external_ids", "other_config"]
    static let port = ["name", "interfaces", "tag", "external_ids", "other_config"]
    static let interface = [
        "name", "type", "ofport", "ifindex", "mac_in_use", "external_ids", "options", "link_speed", "link_state",
        "admin_state", "bfd", "bfd_status", "error",
    ]

    static let byTable: [(table: String, columns: [String])] = [
        ("Open_vSwitch", openVSwitch), ("Bridge", bridge), ("Port", port), ("Interface", interface),
    ]
}

/// Rows of one table keyed by uuid, each row a column → JSON map.
typealias TableRows = [String: [String: JSONValue]]

extension OVSDBClient {
    /// Reads the switch in one `transact` of four selects (a consistent snapshot) and joins
    /// `Bridge.ports` → `Port.interfaces` → `Interface` by uuid.
    ///
    /// Bridges, ports and interfaces are sorted by name so equal switches give equal values.
    public mutating func switchState(timeout: Duration? = nil) throws(OVSDBError) -> SwitchState {
        let operations: [JSONValue] = SwitchColumns.byTable.map { table, columns in
            [
                "op": "select", "table": .string(table), "where": [],
                "columns": .array((["_uuid"] + columns).map { .string($0) }),
            ]
        }
        let results = try transact(database: "Open_vSwitch", operations: operations, timeout: timeout)
        return try SwitchState(selectResults: results)
    }
}

extension SwitchState {
    /// The state from the results of the four selects of ``OVSDBClient/switchState(timeout:)``.
    init(selectResults results: [JSONValue]) throws(OVSDBError) {
        let selects = SwitchColumns.byTable.count
        guard results.count >= selects else {
            throw .protocolViolation("transact returned \(results.count) results for \(selects) selects")
        }
        var tables: [TableRows] = []
        for (index, result) in results.prefix(selects).enumerated() {
            guard let rows = result["rows"]?.arrayValue else {
                throw .protocolViolation("select on \(SwitchColumns.byTable[index].table) returned no rows: \(result)")
            }
            var byUUID: TableRows = [:]
            for row in rows {
                guard let members = row.objectValue, let uuidValue = row["_uuid"],
                    case .uuid(let uuid) = OVSDBAtom(json: uuidValue)
                else { throw .protocolViolation("selected row without _uuid: \(row)") }
                var columns: [String: JSONValue] = [:]
                for member in members { columns[member.key] = member.value }
                byUUID[uuid] = columns
            }
            tables.append(byUUID)
        }
        try self.init(openVSwitch: tables[0], bridges: tables[1], ports: tables[2], interfaces: tables[3])
    }

    /// Joins raw rows. References to rows that are absent (a monitor update that has not arrived yet)
    /// are skipped rather than treated as errors.
    init(openVSwitch: TableRows, bridges: TableRows, ports: TableRows, interfaces: TableRows) throws(OVSDBError) {
        let root = openVSwitch.values.first ?? [:]
        self.init(
            externalIDs: try Self.column(root, "external_ids").stringMap(),
            ovsVersion: try Self.column(root, "ovs_version").optionalString(),
            datapathTypes: try Self.column(root, "datapath_types").strings().sorted())
        // Bridges not listed in Open_vSwitch.bridges are garbage; when the root row is missing (never
        // in practice) fall back to every Bridge row.
        let bridgeUUIDs = root.isEmpty ? Array(bridges.keys) : try Self.column(root, "bridges").uuids()
        var result: [Bridge] = []
        for bridgeUUID in bridgeUUIDs {
            guard let row = bridges[bridgeUUID] else { continue }
            var bridge = Bridge(
                uuid: bridgeUUID, name: try Self.string(row, "name"),
                datapathType: try Self.string(row, "datapath_type"),
                externalIDs: try Self.column(row, "external_ids").stringMap(),
                otherConfig: try Self.column(row, "other_config").stringMap())
            for portUUID in try Self.column(row, "ports").uuids() {
                guard let portRow = ports[portUUID] else { continue }
                var port = Port(
                    uuid: portUUID, name: try Self.string(portRow, "name"),
                    tag: try Self.column(portRow, "tag").optionalInteger().map { Int($0) },
                    externalIDs: try Self.column(portRow, "external_ids").stringMap(),
                    otherConfig: try Self.column(portRow, "other_config").stringMap())
                for interfaceUUID in try Self.column(portRow, "interfaces").uuids() {
                    guard let interfaceRow = interfaces[interfaceUUID] else { continue }
                    port.interfaces.append(try Interface(uuid: interfaceUUID, row: interfaceRow))
                }
                port.interfaces.sort { $0.name < $1.name }
                bridge.ports.append(port)
            }
            bridge.ports.sort { $0.name < $1.name }
            result.append(bridge)
        }
        self.bridges = result.sorted { $0.name < $1.name }
    }

    /// A column value; a column the row lacks reads as the empty set, which every accessor accepts.
    static func column(_ row: [String: JSONValue], _ name: String) throws(OVSDBError) -> OVSDBValue {
        guard let json = row[name] else { return .empty }
        return try OVSDBValue(json: json)
    }

    static func string(_ row: [String: JSONValue], _ name: String) throws(OVSDBError) -> String {
        try column(row, name).optionalString() ?? ""
    }
}

extension SwitchState.Interface {
    init(uuid: String, row: [String: JSONValue]) throws(OVSDBError) {
        typealias S = SwitchState
        self.init(
            uuid: uuid, name: try S.string(row, "name"), type: try S.string(row, "type"),
            ofport: try S.column(row, "ofport").optionalInteger().map { Int($0) },
            ifindex: try S.column(row, "ifindex").optionalInteger().map { Int($0) },
            mac: try S.column(row, "mac_in_use").optionalString(),
            externalIDs: try S.column(row, "external_ids").stringMap(),
            options: try S.column(row, "options").stringMap(),
            linkSpeed: try S.column(row, "link_speed").optionalInteger().map { Int($0) },
            linkState: try S.column(row, "link_state").optionalString(),
            adminState: try S.column(row, "admin_state").optionalString(),
            bfd: try S.column(row, "bfd").stringMap(),
            bfdStatus: try S.column(row, "bfd_status").stringMap(),
            error: try S.column(row, "error").optionalString())
    }
}
