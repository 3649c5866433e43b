// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

extension OVSDBClient {
    /// How often a write is retried when another client changed the rows it read in between.
    static let writeAttempts = 5

    /// Attaches `port` to `bridge` with one Interface of the same name, replacing any Port of that
    /// name on whatever bridge holds it. Plugging twice leaves exactly one port.
    ///
    /// OVSDB cannot address a row by name inside a mutation, so this reads the bridge and the old
    /// port first and then writes in ONE transaction: two `wait` operations (timeout 0) assert that
    /// the bridge still exists and the port named `port` is still the row that was read; the old
    /// port is removed from every bridge's `ports` and deleted with its interfaces; the new Interface
    /// and Port are inserted with named uuids and added to the bridge. Port and Interface are not
    /// root tables, so nothing can be left behind unreferenced. If a `wait` fails because another
    /// client changed those rows, the read and write are repeated.
    ///
    /// - Parameters:
    ///   - interfaceType: Interface `type`; `""` (the default) is a system device such as a tap.
    ///   - externalIDs: Interface `external_ids` (`iface-id`, `attached-mac`, `vm-id`, `iface-status`).
    ///   - timeout: the deadline of the whole plug, reads, commit and retries together.
    /// - Throws: ``OVSDBError`` `.bridgeNotFound`, or any transport or transaction error.
    public mutating func plugPort(
        bridge: String, port: String, interfaceType: String = "", externalIDs: [String: String],
        timeout: Duration? = nil
    ) throws(OVSDBError) {
        // One deadline for the reads, commits and retries: the caller's timeout bounds the whole plug.
        let deadline = self.deadline(timeout)
        for _ in 0..<Self.writeAttempts {
            let read = try transact(
                operations: [
                    ["op": "select", "table": "Bridge", "where": [["name", "==", .string(bridge)]], "columns": ["_uuid"]],
                    Self.selectPort(named: port),
                ], deadline: deadline)
            guard read.count >= 2, let bridgeRows = read[0]["rows"]?.arrayValue else {
                throw .protocolViolation("unexpected select result: \(read)")
            }
            guard !bridgeRows.isEmpty else { throw .bridgeNotFound(bridge) }
            let oldPort = try Self.portRow(read[1], name: port)

            var interfaceRow: [JSONValue.Member] = [
                .init("name", .string(port)),
                .init("external_ids", OVSDBValue.stringMap(externalIDs).json),
            ]
            if !interfaceType.isEmpty { interfaceRow.append(.init("type", .string(interfaceType))) }
            let operations: [JSONValue] =
                [
                    [
                        "op": "wait", "table": "Bridge", "timeout": 0, "where": [["name", "==", .string(bridge)]],
                        "columns": ["name"], "until": "==", "rows": [["name": .string(bridge)]],
                    ],
                    Self.waitForPort(named: port, toBe: oldPort?.uuid),
                ]
                + Self.removePortOperations(oldPort)
                + [
                    ["op": "insert", "table": "Interface", "uuid-name": "fabric_iface", "row": .object(interfaceRow)],
                    [
                        "op": "insert", "table": "Port", "uuid-name": "fabric_port",
                        "row": ["name": .string(port), "interfaces": OVSDBAtom.namedUUID("fabric_iface").json],
                    ],
                    [
                        "op": "mutate", "table": "Bridge", "where": [["name", "==", .string(bridge)]],
                        "mutations": [["ports", "insert", OVSDBValue.set([.namedUUID("fabric_port")]).json]],
                    ],
                    ["op": "comment", "comment": .string("fabric: plug port \(port) into \(bridge)")],
                ]
            if try commitUnlessRaced(operations, deadline: deadline) { return }
        }
        throw .operationFailed(
            index: 0, operation: "wait", error: "gave up after \(Self.writeAttempts) attempts",
            details: "port \(port) or bridge \(bridge) kept changing underneath")
    }

    /// Removes the Port named `name` (and its interfaces) from whatever bridge holds it.
    ///
    /// - Returns: `false` when there was no such port (unplugging is idempotent).
    @discardableResult
    public mutating func unplugPort(name: String, timeout: Duration? = nil) throws(OVSDBError) -> Bool {
        let deadline = self.deadline(timeout)
        for _ in 0..<Self.writeAttempts {
            let read = try transact(operations: [Self.selectPort(named: name)], deadline: deadline)
            guard let first = read.first, let oldPort = try Self.portRow(first, name: name) else { return false }
            let operations: [JSONValue] =
                [Self.waitForPort(named: name, toBe: oldPort.uuid)] + Self.removePortOperations(oldPort)
                + [["op": "comment", "comment": .string("fabric: unplug port \(name)")]]
            if try commitUnlessRaced(operations, deadline: deadline) { return true }
        }
        throw .operationFailed(
            index: 0, operation: "wait", error: "gave up after \(Self.writeAttempts) attempts",
            details: "port \(name) kept changing underneath")
    }

    /// Merges `externalIDs` into the Interface's `external_ids`: given keys are replaced, other keys
    /// kept. One `mutate` (delete the keys, then insert the pairs), so no read is needed.
    ///
    /// - Throws: ``OVSDBError`` `.interfaceNotFound` when no Interface has that name.
    public mutating func setInterfaceExternalIDs(
        interface: String, externalIDs: [String: String], timeout: Duration? = nil
    ) throws(OVSDBError) {
        guard !externalIDs.isEmpty else {
            let read = try transact(
                operations: [
                    ["op": "select", "table": "Interface", "where": [["name", "==", .string(interface)]], "columns": ["_uuid"]]
                ], timeout: timeout)
            if read.first?["rows"]?.arrayValue?.isEmpty ?? true { throw .interfaceNotFound(interface) }
            return
        }
        let results = try transact(
            operations: [
                [
                    "op": "mutate", "table": "Interface", "where": [["name", "==", .string(interface)]],
                    "mutations": [
                        ["external_ids", "delete", OVSDBValue.stringSet(externalIDs.keys).json],
                        ["external_ids", "insert", OVSDBValue.stringMap(externalIDs).json],
                    ],
                ]
            ], timeout: timeout)
        guard results.first?["count"]?.integerValue ?? 0 > 0 else { throw .interfaceNotFound(interface) }
    }

    // MARK: - Helpers

    struct PortRow {
        var uuid: String
        var interfaces: [String]
    }

    static func selectPort(named name: String) -> JSONValue {
        ["op": "select", "table": "Port", "where": [["name", "==", .string(name)]], "columns": ["_uuid", "interfaces"]]
    }

    static func portRow(_ result: JSONValue, name: String) throws(OVSDBError) -> PortRow? {
        guard let rows = result["rows"]?.arrayValue else {
            throw .protocolViolation("unexpected select result: \(result)")
        }
        guard let row = rows.first else { return nil }
        guard let uuidJSON = row["_uuid"], let uuid = OVSDBAtom(json: uuidJSON)?.uuidValue else {
            throw .protocolViolation("Port row without _uuid: \(row)")
        }
        let interfaces = try OVSDBValue(json: row["interfaces"] ?? OVSDBValue.empty.json).uuids()
        return PortRow(uuid: uuid, interfaces: interfaces)
    }

    /// Asserts that the Port named `name` is the row with `uuid`, or that none exists when `uuid` is nil.
    static func waitForPort(named name: String, toBe uuid: String?) -> JSONValue {
        let rows: JSONValue = uuid.map { [["_uuid": OVSDBAtom.uuid($0).json]] } ?? []
        return [
            "op": "wait", "table": "Port", "timeout": 0, "where": [["name", "==", .string(name)]],
            "columns": ["_uuid"], "until": "==", "rows": rows,
        ]
    }

    /// Drops the reference from any bridge first: deleting a still-referenced Port would violate
    /// referential integrity and abort the transaction.
    static func removePortOperations(_ port: PortRow?) -> [JSONValue] {
        guard let port else { return [] }
        let reference = OVSDBAtom.uuid(port.uuid).json
        return [
            [
                "op": "mutate", "table": "Bridge", "where": [["ports", "includes", reference]],
                "mutations": [["ports", "delete", OVSDBValue.set([.uuid(port.uuid)]).json]],
            ],
            ["op": "delete", "table": "Port", "where": [["_uuid", "==", reference]]],
        ]
            + port.interfaces.map { interface in
                ["op": "delete", "table": "Interface", "where": [["_uuid", "==", OVSDBAtom.uuid(interface).json]]]
            }
    }

    /// Commits `operations`, whose leading `wait`s guard what was read. Returns `false` when one of
    /// those waits failed (someone else changed the rows: read again), throws on any other failure.
    mutating func commitUnlessRaced(_ operations: [JSONValue], deadline: CallDeadline) throws(OVSDBError) -> Bool {
        let results = try transactAllowingFailure(database: "Open_vSwitch", operations: operations, deadline: deadline)
        guard let failure = Self.firstFailure(in: results, operations: operations) else { return true }
        if let index = results.firstIndex(where: { $0["error"].map { !$0.isNull } ?? false }), index < operations.count,
            operations[index]["op"] == "wait", results[index]["error"] == "timed out"
        {
            return false
        }
        throw failure
    }
}
