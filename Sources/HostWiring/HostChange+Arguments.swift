// SPDX-License-Identifier: Apache-2.0
public import WiringRules
internal import VDSMHook

/// The command line of the privileged helper, which `vdsm` may run through `sudo`:
///
///     fabric-wire ovs-plug --bridge B --tap tapXXXXXXXX-XX --iface-id UUID --mac MAC --vm-id UUID
///     fabric-wire linux-bridge --tap tapXXXXXXXX-XX --bridge BR
///     fabric-wire detach --tap tapXXXXXXXX-XX
///
/// Strict on purpose, because the caller is less privileged than the helper: exactly one verb, every option
/// exactly once as two separate words (no `--x=y`, no abbreviations, no repeats, nothing extra), each value
/// validated (tap `tap[0-9a-f-]{11}`, bridge `[A-Za-z0-9_.-]{1,15}` not starting with `-` or `.`, UUIDs,
/// `aa:bb:cc:dd:ee:ff`). Anything else is a usage error and nothing is touched.
extension HostChange {
    public enum Verb: String, CaseIterable, Sendable {
        case ovsPlug = "ovs-plug"
        case linuxBridge = "linux-bridge"
        case detach = "detach"

        var options: Set<String> {
            switch self {
            case .ovsPlug: ["--bridge", "--tap", "--iface-id", "--mac", "--vm-id"]
            case .linuxBridge: ["--tap", "--bridge"]
            case .detach: ["--tap"]
            }
        }
    }

    /// The arguments (after the program name) that ``init(wireArguments:)`` turns back into this change.
    public var wireArguments: [String] {
        switch self {
        case .plugOVS(let plug):
            [
                Verb.ovsPlug.rawValue, "--bridge", plug.bridge, "--tap", plug.tap, "--iface-id", plug.ifaceID.uuid,
                "--mac", plug.mac, "--vm-id", plug.vmID.uuid,
            ]
        case .enslave(let tap, let bridge): [Verb.linuxBridge.rawValue, "--tap", tap, "--bridge", bridge]
        case .detachFromPlaceholder(let tap): [Verb.detach.rawValue, "--tap", tap]
        }
    }

    /// Parses and validates `fabric-wire`'s arguments (without the program name).
    /// - Throws: ``WireError`` of kind `.usage` naming the first problem.
    public init(wireArguments arguments: [String]) throws(WireError) {
        guard let first = arguments.first else {
            throw .usage("expected a verb: \(Verb.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let verb = Verb(rawValue: first) else { throw .usage("unknown verb \(Self.quoted(first))") }
        var values: [String: String] = [:]
        var rest = arguments.dropFirst()
        while let option = rest.popFirst() {
            guard verb.options.contains(option) else {
                throw .usage("\(verb.rawValue) does not take \(Self.quoted(option))")
            }
            guard values[option] == nil else { throw .usage("\(option) given twice") }
            guard let value = rest.popFirst() else { throw .usage("\(option) needs a value") }
            values[option] = value
        }
        for option in verb.options.sorted() where values[option] == nil {
            throw .usage("\(verb.rawValue) needs \(option)")
        }
        let tap = try Self.tap(values["--tap"]!)
        switch verb {
        case .ovsPlug:
            guard let ifaceID = PortID(values["--iface-id"]!) else {
                throw .usage("--iface-id \(Self.quoted(values["--iface-id"]!)) is not a UUID")
            }
            guard let vmID = PortID(values["--vm-id"]!) else {
                throw .usage("--vm-id \(Self.quoted(values["--vm-id"]!)) is not a UUID")
            }
            guard HostNames.normalizedMAC(values["--mac"]!) != nil else {
                throw .usage("--mac \(Self.quoted(values["--mac"]!)) is not a MAC address")
            }
            let bridge = try Self.bridge(values["--bridge"]!)
            do {
                self = .plugOVS(try OVSPlug(bridge: bridge, tap: tap, ifaceID: ifaceID, mac: values["--mac"]!, vmID: vmID))
            } catch {
                throw .usage(error.message)
            }
        case .linuxBridge:
            self = .enslave(tap: tap, bridge: try Self.bridge(values["--bridge"]!))
        case .detach:
            self = .detachFromPlaceholder(tap: tap)
        }
    }

    private static func tap(_ value: String) throws(WireError) -> String {
        guard HostNames.isTapName(value) else {
            throw .usage("--tap \(quoted(value)) is not a fabric tap name (tap + 11 of [0-9a-f-])")
        }
        return value
    }

    private static func bridge(_ value: String) throws(WireError) -> String {
        guard HostNames.isBridgeName(value) else { throw .usage("--bridge \(quoted(value)) is not a usable bridge name") }
        return value
    }

    /// Quotes a rejected value for the message, cut short and with control characters escaped, so hostile input
    /// cannot forge log lines.
    static func quoted(_ value: String) -> String {
        let shown = value.unicodeScalars.prefix(40).map { scalar -> String in
            scalar.value < 0x20 || scalar.value == 0x7F ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
        return "\"" + shown + (value.unicodeScalars.count > 40 ? "…" : "") + "\""
    }
}
