// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON
internal import FabricPOSIX

extension OVSDBClient {
    /// Watches the switch: sends one `monitor` for the Open_vSwitch, Bridge, Port and Interface
    /// columns fabric reads, calls `onUpdate` with the initial ``SwitchState``, then again after every
    /// `update` notification, until `onUpdate` returns `false` or `isCancelled` returns `true`.
    ///
    /// Blocks the calling thread; a daemon runs it on a thread of its own. `isCancelled` is polled
    /// about every `cancellationCheckInterval`, so passing `{ Task.isCancelled }` or an atomic flag
    /// stops the loop promptly while the switch is quiet. Echo requests are answered throughout.
    ///
    /// A quiet switch sends nothing, and so does a server that hangs, or one that stopped halfway
    /// through an update. To tell them apart, after `probeInterval` without a whole message the
    /// monitor sends an `echo` request (as OVS's own clients probe a silent peer); the server must
    /// answer it within `timeout`, or the monitor fails with `.timedOut`. A stall is noticed after
    /// at most `probeInterval` + `timeout`.
    ///
    /// - Parameters:
    ///   - timeout: the deadline for the `monitor` request's reply and for each `echo` probe.
    ///   - monitorID: unique per connection.
    ///   - probeInterval: how long the server may stay silent before it is probed.
    /// - Throws: ``OVSDBError`` on transport or protocol errors (the connection is then unusable;
    ///   reconnect and monitor again, which delivers a fresh initial state).
    public mutating func monitor(
        timeout: Duration? = nil, monitorID: String = "fabric-switch",
        cancellationCheckInterval: Duration = .milliseconds(250), probeInterval: Duration = .seconds(5),
        isCancelled: () -> Bool = { false },
        onUpdate: (SwitchState) -> Bool
    ) throws(OVSDBError) {
        var requests: [JSONValue.Member] = []
        for (table, columns) in SwitchColumns.byTable {
            requests.append(.init(table, ["columns": .array(columns.map { .string($0) })]))
        }
        let initial = try call(
            method: "monitor", params: ["Open_vSwitch", .string(monitorID), .object(requests)], timeout: timeout)
        var cache = MonitorCache()
        try cache.apply(initial)
        guard onUpdate(try cache.state()) else { return }

        var lastHeard = MonotonicInstant.now
        while !isCancelled() {
            let message: JSONValue
            if !pendingNotifications.isEmpty {
                message = pendingNotifications.removeFirst()
            } else {
                do {
                    message = try nextMessage(
                        deadline: MonotonicInstant.now.advanced(by: cancellationCheckInterval),
                        timeout: cancellationCheckInterval, what: "monitor")
                    lastHeard = MonotonicInstant.now
                } catch where error.kind == .timedOut {
                    if lastHeard.duration(to: .now) >= probeInterval {
                        // Updates that arrive meanwhile are kept in pendingNotifications.
                        _ = try call(
                            method: "echo", params: [], deadline: deadline(timeout), what: "the monitor's echo probe")
                        lastHeard = MonotonicInstant.now
                    }
                    continue
                }
            }
            guard message["method"] == "update", let params = message["params"]?.arrayValue, params.count == 2,
                params[0] == .string(monitorID)
            else { continue }
            try cache.apply(params[1])
            guard onUpdate(try cache.state()) else { return }
        }
    }
}

/// The monitored tables as the server last described them.
struct MonitorCache {
    var tables: [String: TableRows] = [:]

    /// Applies RFC 7047 `table-updates`: a row with `new` is inserted or replaced (for a modify,
    /// `new` holds every monitored column), a row with only `old` is deleted.
    mutating func apply(_ updates: JSONValue) throws(OVSDBError) {
        guard let tableUpdates = updates.objectValue else {
            throw .protocolViolation("monitor update is not an object: \(updates)")
        }
        for tableUpdate in tableUpdates {
            guard let rowUpdates = tableUpdate.value.objectValue else {
                throw .protocolViolation("table update for \(tableUpdate.key) is not an object")
            }
            var rows = tables[tableUpdate.key] ?? [:]
            for rowUpdate in rowUpdates {
                if let new = rowUpdate.value["new"]?.objectValue {
                    var columns: [String: JSONValue] = ["_uuid": OVSDBAtom.uuid(rowUpdate.key).json]
                    for member in new { columns[member.key] = member.value }
                    rows[rowUpdate.key] = columns
                } else {
                    rows[rowUpdate.key] = nil
                }
            }
            tables[tableUpdate.key] = rows
        }
    }

    func state() throws(OVSDBError) -> SwitchState {
        try SwitchState(
            openVSwitch: tables["Open_vSwitch"] ?? [:], bridges: tables["Bridge"] ?? [:],
            ports: tables["Port"] ?? [:], interfaces: tables["Interface"] ?? [:])
    }
}
