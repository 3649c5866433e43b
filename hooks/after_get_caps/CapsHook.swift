// SPDX-License-Identifier: Apache-2.0
import FabricPOSIX
import FabricInventory
import FabricNetlink
import FabricJSON
import FabricOVSDB
import VDSMHook

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The hook's work, separate from `main.swift` so every failure has one exit: a message, exit 0.
enum CapsHook {
    /// The capabilities key fabric adds; its value is the HostTable document (docs/host-table-schema.md).
    static let capsKey = "fabric_host_interfaces"
    /// The capabilities key of what the host can carry for a provider (``ProviderReach``), so the engine can tell
    /// whether this host provides a provider network rather than assume every host does.
    static let providesKey = "fabric_provides"

    /// Adds the table and the binding host ids to the file named by `_hook_json`.
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
        var notes: [String] = []
        // A broken settings file must not cost the engine the table: report it and use the defaults, which
        // only choose where to read from.
        let settings: HookSettings
        do {
            settings = try HookSettings.load()
        } catch {
            notes.append("\(error); used the default sockets")
            settings = HookSettings()
        }
        let socketPath = settings.agentSocket
        // The table (2 MB at 4,096 links) is validated and passed through as bytes; only its small `sources`
        // is built, to add `sources.agent` and read the host's OVS external_ids.
        let table: JSONObjectText
        let agent: JSONValue
        var provides: JSONValue?
        switch AgentClient.fetchTable(socketPath: socketPath, timeoutMilliseconds: 1500) {
        case .success(let served):
            table = served
            agent = ["answered": true, "socket": .string(socketPath)]
            switch AgentClient.fetchProvides(socketPath: socketPath, timeoutMilliseconds: 500) {
            case .success(let served): provides = served
            case .failure(let reason): notes.append("\(reason); \(providesKey) left out")
            }
        case .failure(let reason):
            let snapshot: (table: [UInt8], provides: ProviderReach)
            do {
                snapshot = try snapshotTable(ovsdb: settings.ovsdb)
                table = try JSONObjectText(validating: snapshot.table)
            } catch {
                return "cannot read the host's links (\(error)); capabilities left untouched"
            }
            provides = (try? JSONEncoder.sortedCompact.encode(snapshot.provides)).flatMap { try? JSONValue(parsing: Array($0)) }
            agent = ["answered": false, "error": .string("\(reason)"), "socket": .string(socketPath)]
            notes.append("\(reason); used an instant snapshot (no rates)")
        }
        guard case .object(var sources)? = table.value("sources") else {
            return "the host table has no sources; capabilities left untouched"
        }
        sources.set("agent", agent)
        sources.sort { $0.key < $1.key }  // as the rest of the document: keys sorted
        let tableBytes = table.replacing("sources", with: .object(sources))

        if let provides { members.set(providesKey, provides) }
        members.set(capsKey, .null)  // its place; the bytes go there when written
        if let note = mergeBindingHostIDs(from: .object(sources), into: &members) { notes.append(note) }
        do {
            try HookFile.replaceAtomically(path, with: serialize(members, placing: tableBytes, at: capsKey))
        } catch {
            return "\(error); capabilities left untouched"
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// The capabilities object, compact, with `raw` (validated JSON) as the value of `key`.
    static func serialize(_ members: [JSONValue.Member], placing raw: [UInt8], at key: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(raw.count + 64 * 1024)
        for (position, member) in members.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out += JSONValue.string(member.key).serializedBytes()
            out.append(UInt8(ascii: ":"))
            out += member.key == key ? raw : member.value.serializedBytes()
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Adds ``BindingHostIDs`` to `openstack_binding_host_ids`, keeping the entries another hook put there
    /// (the reference hooks merge the same way), from the table's `sources.ovsdb.hostExternalIDs`. Nothing is
    /// added when OVS could not be read, by the agent, the hook or the helper.
    /// - Returns: a note when an existing value is not a map and was left as it was.
    static func mergeBindingHostIDs(from sources: JSONValue, into members: inout [JSONValue.Member]) -> String? {
        guard let external = sources["ovsdb"]?["hostExternalIDs"]?.objectValue else { return nil }
        let bindings = BindingHostIDs.from(openVSwitchExternalIDs: strings(external))
        guard !bindings.isEmpty else { return nil }
        var map: [JSONValue.Member]
        switch members.first(where: { $0.key == BindingHostIDs.capsKey })?.value {
        case nil: map = []
        case .object(let existing)?: map = existing
        case _?: return "\(BindingHostIDs.capsKey) is already there and is not a map; left as it was"
        }
        for (plugin, id) in bindings.sorted(by: { $0.key < $1.key }) { map.set(plugin, .string(id)) }
        members.set(BindingHostIDs.capsKey, .object(map))
        return nil
    }

    /// One snapshot like `fabric-agent show --json --no-rates`, with a short OVSDB deadline, and what the host
    /// provides from the Neutron agents' files and the switch (unknown for OVN when the database is out of reach).
    static func snapshotTable(ovsdb endpoint: OVSDBEndpoint) throws -> (table: [UInt8], provides: ProviderReach) {
        let socket = try NetlinkSocket()
        let sample = HostTableBuilder.Sample(snapshot: try socket.snapshot())
        var switchState: SwitchState?
        var status = HostTable.OVSDBStatus(endpoint: endpoint.description, reachable: false)
        do {
            var client = try OVSDBClient(endpoint: endpoint, timeout: .milliseconds(1000))
            switchState = try client.switchState()
            status.reachable = true
        } catch {
            status.error = "\(error)"
        }
        var table = HostTableBuilder().table(sample: sample, switchState: switchState, ovsdb: status)
        if switchState == nil, !HostSystem.isRoot {
            // As vdsm the database of openvswitch:hugetlbfs is out of reach; the helper VDSM may run through
            // sudo reads the host's ids (never OVS membership), as the reference hooks' `sudo ovs-vsctl` does.
            table.sources.ovsdb.hostExternalIDs = helperHostExternalIDs()
        }
        let provides = ProviderReach(
            neutron: NeutronAgentConfig.load(files: HostFiles()), switchIDs: switchState?.externalIDs)
        return (Array(try JSONEncoder.sortedCompact.encode(table)), provides)
    }

    /// `sudo -n fabric-wire host-ids`, within 1 s; `nil` when it fails (OVS down, no sudoers drop-in).
    static func helperHostExternalIDs() -> [String: String]? {
        let command = PrivilegedHelper.command([BindingHostIDs.helperVerb])
        // The helper prints one JSON line; sudo may have written a warning before it on the same pipe.
        guard let output = try? BoundedCommand.run(command, timeout: .seconds(1), captureOutput: true),
            let line = output.split(separator: 0x0A).last,
            case .object(let members)? = try? JSONValue(parsing: Array(line))
        else { return nil }
        return BindingHostIDs.sources(of: strings(members))
    }

    /// The members whose values are strings, as a dictionary.
    static func strings(_ members: [JSONValue.Member]) -> [String: String] {
        var result: [String: String] = [:]
        for member in members { if let value = member.value.stringValue { result[member.key] = value } }
        return result
    }

}

extension [JSONValue.Member] {
    /// Replaces the value of `key` where it is, or appends it.
    mutating func set(_ key: String, _ value: JSONValue) {
        if let index = firstIndex(where: { $0.key == key }) {
            self[index].value = value
        } else {
            append(JSONValue.Member(key, value))
        }
    }
}

extension JSONEncoder {
    /// Compact, keys sorted, slashes as they are: the capabilities' style.
    static var sortedCompact: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
