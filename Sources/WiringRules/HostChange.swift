// SPDX-License-Identifier: Apache-2.0
internal import VDSMHook

/// One change to the host side of a vNIC that an after-hook needs: the kernel and Open vSwitch state that
/// libvirt's XML alone does not (or no longer) guarantee. Every value is validated at construction, so a
/// `HostChange` can be handed to the privileged helper as arguments without further quoting concerns.
public enum HostChange: Hashable, Sendable {
    /// Make `tap` a port of the OVS bridge `bridge` with the `external_ids` libvirt would have written for an
    /// `openvswitch` virtualport (`iface-id`, `attached-mac`, `vm-id`, `iface-status=active`). A tap still
    /// enslaved to a Linux bridge is released from it first.
    case plugOVS(OVSPlug)
    /// Enslave `tap` to the Linux bridge `bridge` and set it up.
    case enslave(tap: String, bridge: String)
    /// Release `tap` from VDSM's placeholder bridge `;vdsmdummy;` so the Neutron Linux-bridge agent can take it.
    /// A tap on any other bridge (the agent was faster) is left where it is.
    case detachFromPlaceholder(tap: String)

    public struct OVSPlug: Hashable, Sendable {
        public var bridge: String
        public var tap: String
        public var ifaceID: PortID
        /// Lowercase `aa:bb:cc:dd:ee:ff`.
        public var mac: String
        /// The VM's UUID, lowercase.
        public var vmID: PortID

        public init(bridge: String, tap: String, ifaceID: PortID, mac: String, vmID: PortID) throws(WiringError) {
            guard HostNames.isBridgeName(bridge) else { throw WiringError("\"\(bridge)\" is not a usable bridge name") }
            guard HostNames.isTapName(tap) else { throw WiringError("\"\(tap)\" is not a fabric tap name") }
            guard let normalized = HostNames.normalizedMAC(mac) else { throw WiringError("\"\(mac)\" is not a MAC address") }
            self.bridge = bridge
            self.tap = tap
            self.ifaceID = ifaceID
            self.mac = normalized
            self.vmID = vmID
        }

        /// The Interface `external_ids`, as libvirt writes them for a virtualport.
        public var externalIDs: [String: String] {
            ["iface-id": ifaceID.uuid, "attached-mac": mac, "vm-id": vmID.uuid, "iface-status": "active"]
        }
    }

    /// The tap this change is about.
    public var tap: String {
        switch self {
        case .plugOVS(let plug): plug.tap
        case .enslave(let tap, _), .detachFromPlaceholder(let tap): tap
        }
    }
}
