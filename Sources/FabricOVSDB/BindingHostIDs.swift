// SPDX-License-Identifier: Apache-2.0
internal import FabricJSON

/// The engine's `openstack_binding_host_ids` capability: per provider plugin, the name the provider
/// knows this host by. The engine sends it as a port's `binding:host_id` when it creates or updates the
/// port for a VM start, a migration or a NIC hot-plug.
///
/// Exactly what the two reference `after_get_caps` hooks send (vdsm's openstacknet and
/// ovirt-provider-ovn-driver's), from the `Open_vSwitch` row's `external_ids`:
///
/// | plugin | value |
/// |---|---|
/// | `OPEN_VSWITCH`, `OPENSTACK_OVN` | `odl_os_hostconfig_hostid` when set and not empty, else `hostname` when set |
/// | `OVIRT_PROVIDER_OVN` | `system-id` when set |
///
/// A plugin whose source key is absent gets no entry; when Open vSwitch cannot be read there are no entries.
public enum BindingHostIDs {
    /// The capabilities key.
    public static let capsKey = "openstack_binding_host_ids"
    /// The `Open_vSwitch.external_ids` keys the ids come from; the table carries these in
    /// `sources.ovsdb.hostExternalIDs`.
    public static let sourceKeys: Set<String> = [odlHostConfigHostID, hostname, systemID]

    static let odlHostConfigHostID = "odl_os_hostconfig_hostid"
    static let hostname = "hostname"
    static let systemID = "system-id"

    /// Plugin name → binding host id, from `Open_vSwitch.external_ids` (or its ``sourceKeys`` subset).
    public static func from(openVSwitchExternalIDs ids: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        // As the reference: an empty ODL host id falls back to `hostname`, an empty `hostname` is still sent.
        if let openstack = ids[odlHostConfigHostID].flatMap({ $0.isEmpty ? nil : $0 }) ?? ids[hostname] {
            result["OPEN_VSWITCH"] = openstack
            result["OPENSTACK_OVN"] = openstack
        }
        if let systemID = ids[systemID] {
            result["OVIRT_PROVIDER_OVN"] = systemID
        }
        return result
    }

    /// The ``sourceKeys`` entries of `Open_vSwitch.external_ids`.
    public static func sources(of ids: [String: String]) -> [String: String] {
        ids.filter { sourceKeys.contains($0.key) }
    }
}

extension BindingHostIDs {
    /// The `fabric-wire` verb that prints the ``sourceKeys`` entries as a JSON object: `after_get_caps` runs it
    /// through `sudo -n` when its user (`vdsm`) cannot read a database owned by `openvswitch:hugetlbfs`.
    public static let helperVerb = "host-ids"

    /// The ``sourceKeys`` entries of this switch's `Open_vSwitch.external_ids`, read from the database with one
    /// select of that column (not the whole switch: the helper runs under a 1 s deadline on hosts with
    /// thousands of ports).
    public static func read(endpoint: OVSDBEndpoint, timeout: Duration) throws(OVSDBError) -> [String: String] {
        var client = try OVSDBClient(endpoint: endpoint, timeout: timeout)
        let select: JSONValue = ["op": "select", "table": "Open_vSwitch", "where": [], "columns": ["external_ids"]]
        let results = try client.transact(database: "Open_vSwitch", operations: [select], timeout: timeout)
        guard let row = results.first?["rows"]?.arrayValue?.first else { return [:] }
        guard let column = row["external_ids"] else { return [:] }
        return sources(of: try OVSDBValue(json: column).stringMap())
    }
}
