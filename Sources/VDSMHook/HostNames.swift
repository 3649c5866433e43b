// SPDX-License-Identifier: Apache-2.0

/// The names the host-side helpers accept: narrower than what Linux allows, because they cross a privilege
/// boundary (`sudo`) and must never be mistaken for options or shell syntax.
public enum HostNames {
    /// `tap` + 11 characters of a lowercase UUID (`[0-9a-f-]`): what fabric writes into `<target dev>`.
    public static func isTapName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 14, bytes.starts(with: Array("tap".utf8)) else { return false }
        return bytes.dropFirst(3).allSatisfy { isLowerHex($0) || $0 == UInt8(ascii: "-") }
    }

    /// 1–15 characters of `[A-Za-z0-9_.-]`, not starting with `-` or `.`: covers `br-int`, `brq…`, `ovirtmgmt`;
    /// excludes VDSM's `;vdsmdummy;` on purpose (nothing is ever enslaved to it by fabric). The one rule for
    /// every bridge fabric names: `hooks.conf`, the `bridge_name` property and `fabric-wire` agree, so a
    /// configured bridge is never one the helper then refuses.
    public static func isBridgeName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...15).contains(bytes.count), let first = bytes.first, first != UInt8(ascii: "-"),
            first != UInt8(ascii: ".")
        else { return false }
        return bytes.allSatisfy { byte in
            isLowerHex(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || [UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-")].contains(byte)
        }
    }

    /// `aa:bb:cc:dd:ee:ff` in any letter case → lowercase; nil for anything else.
    public static func normalizedMAC(_ text: String) -> String? {
        let bytes = Array(text.lowercased().utf8)
        guard bytes.count == 17 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if index % 3 == 2 {
                guard byte == UInt8(ascii: ":") else { return nil }
            } else {
                guard isLowerHex(byte) else { return nil }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
