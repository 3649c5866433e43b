// SPDX-License-Identifier: Apache-2.0
public import FabricJSON

/// What the client makes of the server's replies, reachable from the libFuzzer targets in `Fuzz/`
/// (`@_spi(Fuzzing) import FabricOVSDB`) without a socket: the fuzzer plays a hostile server. Not API.
@_spi(Fuzzing) public enum OVSDBFuzzing {
    /// The switch from the `result` of a reply to ``OVSDBClient/switchState(timeout:)``'s `transact`, checked
    /// as ``OVSDBClient/transact(database:operations:timeout:)`` checks it.
    public static func switchState(fromTransactResult result: JSONValue) throws(OVSDBError) -> SwitchState {
        guard let results = result.arrayValue else {
            throw .protocolViolation("transact result is not an array: \(result)")
        }
        let selects = [JSONValue](repeating: ["op": "select"], count: SwitchColumns.byTable.count)
        if let failure = OVSDBClient.firstFailure(in: results, operations: selects) { throw failure }
        return try SwitchState(selectResults: results)
    }

    /// The switch after a `monitor` reply's `result` and then each `update`'s table-updates, applied in
    /// order as ``OVSDBClient/monitor(timeout:monitorID:cancellationCheckInterval:isCancelled:onUpdate:)`` does.
    public static func switchState(fromMonitorUpdates updates: [JSONValue]) throws(OVSDBError) -> SwitchState {
        var cache = MonitorCache()
        var state = SwitchState()
        for update in updates {
            try cache.apply(update)
            state = try cache.state()
        }
        return state
    }
}
