// SPDX-License-Identifier: Apache-2.0

/// A Neutron/OVN port id (the engine's `vnic_id`): a UUID in canonical lowercase dashed form.
///
/// libvirt writes `iface-id` in canonical lowercase, so a vnic_id in any other spelling would never match the
/// provider's port name; it is validated and normalised before it reaches the XML.
public struct PortID: Hashable, Sendable, CustomStringConvertible {
    public let uuid: String

    /// Accepts the 8-4-4-4-12 hexadecimal form in any letter case; nil for anything else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                let isHex =
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
                guard isHex else { return nil }
            }
        }
        uuid = text.lowercased()
    }

    // String + String: `String + Substring` is a generic operator that looks a conformance up at run time.
    /// `tap` + the first 11 characters: 14 characters, Linux's and Nova's limit for device names.
    public var tapName: String { "tap" + String(uuid.prefix(11)) }

    /// `brq` + the first 11 characters: the bridge the Neutron Linux-bridge agent creates for a network.
    public var linuxBridgeName: String { "brq" + String(uuid.prefix(11)) }

    public var description: String { uuid }
}
