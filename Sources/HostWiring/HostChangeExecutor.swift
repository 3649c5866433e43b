// SPDX-License-Identifier: Apache-2.0
internal import FabricOVSDB
public import WiringRules
internal import FabricNetlink
public import VDSMHook

/// Applies a ``HostChange`` to this host through netlink and the OVSDB protocol: no `ip`, no `ovs-vsctl`.
/// Needs `CAP_NET_ADMIN` and the database socket, i.e. root; `vdsm` goes through ``PrivilegedWire``. A change
/// naming a bridge that is not the provider's (``ProviderBridge``) is refused before anything is touched.
///
/// Idempotent: each change first reads the current state and does nothing when it already holds, so
/// repeating it (VDSM may run after-hooks again, e.g. on a second update) neither churns the OVS port nor the
/// bridge membership.
public enum HostChangeExecutor {
    /// What ``apply(_:settings:timeout:)`` found or did, for logs and tests.
    public enum Outcome: Hashable, Sendable {
        case alreadyInPlace
        case changed
    }

    /// - Parameters:
    ///   - settings: the integration bridge, the allowed Linux bridges and the OVSDB socket.
    ///   - timeout: the deadline for every OVSDB call; netlink answers are immediate.
    ///   - vdsmNetworks: VDSM's networks, whose bridges are never touched.
    /// - Throws: ``WireError`` of kind `.refused` for a bridge that is not the provider's, `.failed` naming the
    ///   device or database problem.
    @discardableResult
    public static func apply(
        _ change: HostChange, settings: HookSettings, timeout: Duration = .seconds(5),
        vdsmNetworks: VDSMNetworkNames = .onHost
    ) throws(WireError) -> Outcome {
        do {
            switch change {
            case .plugOVS(let plug): try ProviderBridge.checkOpenVSwitch(plug.bridge, settings: settings, vdsmNetworks: vdsmNetworks)
            case .enslave(_, let bridge): try ProviderBridge.checkLinuxBridge(bridge, settings: settings, vdsmNetworks: vdsmNetworks)
            case .detachFromPlaceholder: break
            }
        } catch {
            throw .refused(error.message)
        }
        let netlink: NetlinkSocket
        do {
            netlink = try NetlinkSocket()
        } catch {
            throw .failed("cannot open a netlink socket: \(error)")
        }
        return try apply(change, netlink: netlink, endpoint: settings.ovsdb, timeout: timeout)
    }

    private static func apply(
        _ change: HostChange, netlink: borrowing NetlinkSocket, endpoint: OVSDBEndpoint, timeout: Duration
    ) throws(WireError) -> Outcome {
        switch change {
        case .plugOVS(let plug):
            let links = try snapshot(netlink)
            guard let tap = links.first(where: { $0.name == plug.tap }) else {
                throw .failed("tap \(plug.tap) does not exist; nothing to plug into \(plug.bridge)")
            }
            var outcome = Outcome.alreadyInPlace
            // A device has one master: a tap left on a Linux bridge (libvirt moved it there on update) must be
            // released before Open vSwitch can own it.
            if let master = tap.masterIndex.flatMap({ index in links.first { $0.index == index } }), master.kind == .bridge {
                try setMaster(netlink, link: plug.tap, master: nil, what: "release \(plug.tap) from \(master.name)")
                outcome = .changed
            }
            if !tap.isAdminUp {
                try setUp(netlink, link: plug.tap, what: "set \(plug.tap) up")
                outcome = .changed
            }
            do {
                var client = try OVSDBClient(endpoint: endpoint, timeout: timeout)
                let state = try client.switchState()
                guard let bridge = state.bridges.first(where: { $0.name == plug.bridge }) else {
                    throw WireError.failed("Open vSwitch bridge \(plug.bridge) does not exist")
                }
                let wanted = plug.externalIDs
                let inPlace = bridge.ports.contains { port in
                    port.name == plug.tap && port.interfaces.count == 1
                        && port.interfaces[0].name == plug.tap && port.interfaces[0].type.isEmpty
                        && wanted.allSatisfy { port.interfaces[0].externalIDs[$0.key] == $0.value }
                }
                if !inPlace {
                    try client.plugPort(bridge: plug.bridge, port: plug.tap, externalIDs: wanted)
                    outcome = .changed
                }
            } catch let error as WireError {
                throw error
            } catch {
                throw .failed("cannot plug \(plug.tap) into \(plug.bridge): \(error)")
            }
            return outcome

        case .enslave(let tapName, let bridgeName):
            let links = try snapshot(netlink)
            guard let bridge = links.first(where: { $0.name == bridgeName }) else {
                throw .failed("bridge \(bridgeName) does not exist")
            }
            guard bridge.kind == .bridge else { throw .failed("\(bridgeName) is not a Linux bridge") }
            guard let tap = links.first(where: { $0.name == tapName }) else {
                throw .failed("tap \(tapName) does not exist; nothing to enslave to \(bridgeName)")
            }
            var outcome = Outcome.alreadyInPlace
            if tap.masterIndex != bridge.index {
                try setMaster(netlink, link: tapName, master: bridgeName, what: "enslave \(tapName) to \(bridgeName)")
                outcome = .changed
            }
            if !tap.isAdminUp {
                try setUp(netlink, link: tapName, what: "set \(tapName) up")
                outcome = .changed
            }
            return outcome

        case .detachFromPlaceholder(let tapName):
            let links = try snapshot(netlink)
            guard let tap = links.first(where: { $0.name == tapName }) else {
                throw .failed("tap \(tapName) does not exist; nothing to detach")
            }
            guard let masterIndex = tap.masterIndex,
                links.first(where: { $0.index == masterIndex })?.name == ProviderRules.vdsmDummyBridge
            else { return .alreadyInPlace }
            try setMaster(netlink, link: tapName, master: nil, what: "release \(tapName) from \(ProviderRules.vdsmDummyBridge)")
            return .changed
        }
    }

    private static func snapshot(_ netlink: borrowing NetlinkSocket) throws(WireError) -> [Link] {
        do {
            return try netlink.snapshot().links
        } catch {
            throw .failed("cannot read the links: \(error)")
        }
    }

    private static func setMaster(
        _ netlink: borrowing NetlinkSocket, link: String, master: String?, what: String
    ) throws(WireError) {
        do {
            try netlink.setMaster(link: link, master: master)
        } catch {
            throw .failed("cannot \(what): \(error)")
        }
    }

    private static func setUp(_ netlink: borrowing NetlinkSocket, link: String, what: String) throws(WireError) {
        do {
            try netlink.setUp(link: link)
        } catch {
            throw .failed("cannot \(what): \(error)")
        }
    }
}
