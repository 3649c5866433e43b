// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// The group that may connect to the agent's unix socket (`listen-group`; the socket is mode 0660).
///
/// VDSM runs `after_get_caps` as user `vdsm` in group `kvm`, so the default is `kvm`; on a host without
/// that group (a machine that is not an oVirt host) the socket keeps the agent's own group. A group named
/// in the configuration must exist.
public enum SocketGroup: Sendable, Hashable, CustomStringConvertible {
    /// `kvm` when the host has it, else the agent's own group.
    case vdsmDefault
    /// A group by name or number, checked to exist when the configuration is read.
    case named(String)
    /// The agent's own group (`listen-group =`, empty).
    case own

    public static let vdsmGroup = "kvm"

    public init(parsing text: String) throws(ListenAddressError) {
        if text.isEmpty {
            self = .own
            return
        }
        guard Self.groupID(of: text) != nil else {
            throw ListenAddressError(reason: "there is no group '\(text)' on this host")
        }
        self = .named(text)
    }

    /// The group id to give the socket, or `nil` to keep the agent's own.
    var groupID: UInt32? {
        switch self {
        case .vdsmDefault: Self.groupID(of: Self.vdsmGroup)
        case .named(let name): Self.groupID(of: name)
        case .own: nil
        }
    }

    public var description: String {
        switch self {
        case .vdsmDefault: Self.vdsmGroup
        case .named(let name): name
        case .own: "(the agent's own group)"
        }
    }

    /// A group by name, or by number when `text` is all digits.
    static func groupID(of text: String) -> UInt32? {
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return UInt32(text)
        }
        return HostSystem.groupID(named: text)
    }
}
