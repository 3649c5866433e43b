// SPDX-License-Identifier: Apache-2.0
public import FabricNetlink

/// What a link is, as an admin reads it: the kernel's `IFLA_INFO_KIND` refined with sysfs (plain NICs)
/// and the Open vSwitch database (userspace-datapath ports look like plain `tun` devices to the kernel).
public enum InterfaceKind: String, Sendable, Hashable, Codable, CaseIterable {
    case nic
    case bond
    case vlan
    case bridge
    /// An OVS bridge or internal port (kernel `openvswitch` kind, or a `tun` that OVSDB lists as internal).
    case ovsInternal = "ovs-internal"
    /// The kernel datapath device `ovs-system`.
    case ovsSystem = "ovs-system"
    case tap
    case tun
    case veth
    case macvlan
    case macvtap
    case vxlan
    case loopback
    case other

    /// Decides the kind from the link dump alone plus one fact from sysfs.
    /// - Parameters:
    ///   - kernelKind: `IFLA_INFO_KIND`, `nil` when the kernel gives none.
    ///   - name: the link name (`ovs-system`, `lo`).
    ///   - tunMode: `tun` or `tap` for `tun` links when the kernel reports it.
    ///   - hasDevice: whether `/sys/class/net/<name>/device` exists; asked only for links without a kind.
    public static func classify(
        kernelKind: LinkKind?, name: String, tunMode: String?, isLoopbackFlag: Bool, hasDevice: () -> Bool
    ) -> InterfaceKind {
        switch kernelKind {
        case nil, .other(""):
            if isLoopbackFlag { return .loopback }
            return hasDevice() ? .nic : .other
        case .bond: return .bond
        case .vlan: return .vlan
        case .bridge: return .bridge
        case .openvswitch: return name == "ovs-system" ? .ovsSystem : .ovsInternal
        case .tun: return tunMode == "tun" ? .tun : .tap
        case .veth: return .veth
        case .macvlan: return .macvlan
        case .macvtap: return .macvtap
        case .vxlan: return .vxlan
        case .dummy, .other: return .other
        }
    }
}
