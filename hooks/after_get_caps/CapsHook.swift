// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import FabricOVSDB
import VDSMHook

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The hook's work, separate from `main.swift` so every failure has one exit: a message, exit 0.
enum CapsHook {
    /// The capabilities key fabric adds; its value is the HostTable document (docs/host-table-schema.md).
    static let capsKey = "fabric_host_interfaces"
    static let defaultAgentSocket = "/run/fabric/agent.sock"

    /// Adds the table to the file named by `_hook_json`.
    /// - Returns: a message for stderr when the file was left untouched (or a note), else `nil`.
    static func run(environment: [String: String]) -> String? {
        guard let path = environment["_hook_json"], !path.isEmpty else {
            return "_hook_json is not set; nothing to do"
        }
        let original: [UInt8]
        do { original = try HookFile.read(path) } catch { return "\(error); capabilities left untouched" }
        guard case .object(var members)? = try? JSONValue(parsing: original) else {
            return "\(path) does not hold a JSON object; capabilities left untouched"
        }
        let socketPath = environment["FABRIC_AGENT_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultAgentSocket
        let table: JSONValue
        var note: String?
        if let served = AgentClient.fetchTable(socketPath: socketPath, timeoutMilliseconds: 1500) {
            table = served
        } else {
            do {
                table = try snapshotTable(environment: environment)
                note = "the agent at \(socketPath) did not answer; used an instant snapshot (no rates)"
            } catch {
                return "cannot read the host's links (\(error)); capabilities left untouched"
            }
        }
        if let index = members.firstIndex(where: { $0.key == capsKey }) {
            members[index].value = table
        } else {
            members.append(JSONValue.Member(capsKey, table))
        }
        do {
            try HookFile.replaceAtomically(path, with: JSONValue.object(members).serializedBytes())
        } catch {
            return "\(error); capabilities left untouched"
        }
        return note
    }

    /// One snapshot like `fabric-agent show --json --no-rates`, with a short OVSDB deadline.
    static func snapshotTable(environment: [String: String]) throws -> JSONValue {
        let socket = try NetlinkSocket()
        let sample = HostTableBuilder.Sample(snapshot: try socket.snapshot())
        let endpoint = OVSDBEndpoint.fromEnvironment(environment)
        var switchState: SwitchState?
        var status = HostTable.OVSDBStatus(endpoint: endpoint.description, reachable: false)
        do {
            var client = try OVSDBClient(endpoint: endpoint, timeout: .milliseconds(1000))
            switchState = try client.switchState()
            status.reachable = true
        } catch {
            status.error = "\(error)"
        }
        let table = HostTableBuilder().table(sample: sample, earlier: nil, switchState: switchState, ovsdb: status)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try JSONValue(parsing: Array(try encoder.encode(table)))
    }

    static func writeStandardError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress!, bytes.count) }
    }
}
