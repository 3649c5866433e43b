// SPDX-License-Identifier: Apache-2.0

/// `IFLA_INFO_KIND`: the kind of link the kernel says a link is, typed so that a misspelt kind does not compile.
/// Kinds fabric does not distinguish keep the kernel's word in ``other(_:)``; the text is always the kernel's,
/// as `ip -d link` prints it (``rawValue``).
public enum LinkKind: Hashable, Sendable, Codable, RawRepresentable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    case bond
    case bridge
    case vlan
    case veth
    case tun
    case openvswitch
    case macvlan
    case macvtap
    case vxlan
    case dummy
    case other(String)

    private static let named: [LinkKind] = [
        .bond, .bridge, .vlan, .veth, .tun, .openvswitch, .macvlan, .macvtap, .vxlan, .dummy,
    ]

    public init(rawValue: String) {
        self = Self.named.first { $0.rawValue == rawValue } ?? .other(rawValue)
    }

    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    public var rawValue: String {
        switch self {
        case .bond: "bond"
        case .bridge: "bridge"
        case .vlan: "vlan"
        case .veth: "veth"
        case .tun: "tun"
        case .openvswitch: "openvswitch"
        case .macvlan: "macvlan"
        case .macvtap: "macvtap"
        case .vxlan: "vxlan"
        case .dummy: "dummy"
        case .other(let kind): kind
        }
    }

    public var description: String { rawValue }
}
