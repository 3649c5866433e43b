// SPDX-License-Identifier: Apache-2.0
internal import CNetlink

extension NetlinkSocket {
    /// Enslaves `link` to `master` (a bridge or bond), or releases it from its master when `master` is
    /// `nil` (`ip link set LINK nomaster`). Sends one `RTM_NEWLINK` with `IFLA_MASTER` and waits for the
    /// kernel's answer.
    ///
    /// - Parameters:
    ///   - link: the name of the link to change, in the socket's namespace.
    ///   - master: the name of the new master, or `nil` to release.
    /// - Throws: ``NetlinkError/noDevice`` when `link` or `master` does not exist; the kernel's error
    ///   otherwise (for example ``NetlinkError/invalidArgument`` when `master` cannot take ports).
    public func setMaster(link: String, master: String?) throws(NetlinkError) {
        let masterIndex: Int32
        if let master {
            masterIndex = try index(ofLink: master)
        } else {
            masterIndex = 0
        }
        try changeLink(named: link, operation: "set master of \(link) to \(master ?? "none")") { changes in
            rtnl_link_set_master(changes, masterIndex)
        }
    }

    /// Sets `IFF_UP` on `link` (`ip link set LINK up`), or clears it when `up` is `false`.
    /// - Throws: ``NetlinkError/noDevice`` when the link does not exist.
    public func setUp(link: String, _ up: Bool = true) throws(NetlinkError) {
        try changeLink(named: link, operation: "set \(link) \(up ? "up" : "down")") { changes in
            if up {
                rtnl_link_set_flags(changes, UInt32(IFF_UP))
            } else {
                rtnl_link_unset_flags(changes, UInt32(IFF_UP))
            }
        }
    }

    /// The ifindex of `name` in the socket's namespace, asked from the kernel (`RTM_GETLINK` for one
    /// name). `if_nametoindex` would answer for the caller's namespace, not the socket's.
    /// - Throws: ``NetlinkError/noDevice`` when there is no such link.
    public func index(ofLink name: String) throws(NetlinkError) -> Int32 {
        var found: OpaquePointer?
        try NetlinkError.check(rtnl_link_get_kernel(handle, 0, name, &found), "look up link \(name)")
        guard let found else { throw NetlinkError.noDevice.during("look up link \(name)") }
        defer { rtnl_link_put(found) }  // rtnl_link_get_kernel returns +1
        return rtnl_link_get_ifindex(found)
    }

    /// Sends `rtnl_link_change` for the link called `name`, with the attributes `configure` sets on an
    /// empty change object. The original carries only the name and no ifindex, so libnl sends
    /// `ifi_index` 0 plus `IFLA_IFNAME` and the kernel resolves the name in the socket's namespace
    /// (`ENODEV` when it does not exist); no separate lookup races with a rename.
    private func changeLink(
        named name: String, operation: String, _ configure: (OpaquePointer) -> Void
    ) throws(NetlinkError) {
        guard let original = rtnl_link_alloc() else { throw NetlinkError.noMemory.during(operation) }
        defer { rtnl_link_put(original) }
        guard let changes = rtnl_link_alloc() else { throw NetlinkError.noMemory.during(operation) }
        defer { rtnl_link_put(changes) }
        rtnl_link_set_name(original, name)
        rtnl_link_set_name(changes, name)
        configure(changes)
        try NetlinkError.check(rtnl_link_change(handle, original, changes, 0), operation)
    }
}
