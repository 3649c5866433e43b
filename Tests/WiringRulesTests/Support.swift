// SPDX-License-Identifier: Apache-2.0
import DomainXML
import WiringRules
import Foundation
import VDSMHook

enum Fixture {
    static func bytes(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
            throw FixtureMissing(name: name)
        }
        return Array(try Data(contentsOf: url))
    }
}

struct FixtureMissing: Error { var name: String }

/// libvirt's own checks: the schema (`virt-xml-validate`) and the parser of the test driver (`virsh define`).
enum Libvirt {
    static let validator = "/usr/bin/virt-xml-validate"
    static let virsh = "/usr/bin/virsh"
    static let available =
        FileManager.default.isExecutableFile(atPath: validator) && FileManager.default.isExecutableFile(atPath: virsh)

    /// Wraps a lone `<interface>` into the smallest domain libvirt accepts.
    static func domain(around interface: [UInt8]) throws -> [UInt8] {
        let document = try DomainDocument(parsing: interface)
        var body = String(decoding: try document.serialized(), as: UTF8.self)
        if let end = body.range(of: "?>") { body = String(body[end.upperBound...]) }
        return Array(
            """
            <domain type="qemu"><name>fabric-\(UUID().uuidString.prefix(8))</name><memory>65536</memory>\
            <os><type arch="x86_64">hvm</type></os><devices>\(body)</devices></domain>
            """.utf8)
    }

    /// Throws with libvirt's message when the domain does not validate or define.
    static func check(domain bytes: [UInt8]) throws {
        let file = NSTemporaryDirectory() + "fabric-wiring-\(UUID().uuidString).xml"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let validation = run(validator, [file, "domain"])
        guard validation.status == 0 else { throw LibvirtRejected(output: validation.output) }
        let define = run(virsh, ["-q", "-c", "test:///default", "define", file])
        guard define.status == 0 else { throw LibvirtRejected(output: define.output) }
        // The test driver forgets everything when virsh exits, so there is nothing left to undefine.
    }

    private static func run(_ path: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

struct LibvirtRejected: Error, CustomStringConvertible {
    var output: String
    var description: String { "libvirt rejected the XML: \(output)" }
}

/// The interface's shape, read back from the XML with a fresh parse.
struct InterfaceShape: Equatable {
    var type: String?
    var children: [String]
    var sources: [String?]
    var targets: [[String]]
    var virtualports: [String]

    init(_ bytes: [UInt8]) throws {
        let document = try DomainDocument(parsing: bytes)
        (type, children, sources, targets, virtualports) = document.withRoot { root in
            var children: [String] = []
            root.forEachChildElement { children.append($0.name) }
            var sources: [String?] = []
            root.forEachChild(named: "source") { sources.append($0.attribute("bridge")) }
            var targets: [[String]] = []
            root.forEachChild(named: "target") { targets.append($0.attributes.map { "\($0.name)=\($0.value)" }) }
            var virtualports: [String] = []
            root.forEachChild(named: "virtualport") { port in
                var text = port.attribute("type") ?? ""
                port.forEachChildElement { child in
                    text += "/" + child.name + ":" + child.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
                }
                virtualports.append(text)
            }
            return (root.attribute("type"), children, sources, targets, virtualports)
        }
    }
}

func properties(_ values: [String: String]) -> (String) -> String? { { values[$0] } }

func settings(_ bridge: String = "br-int", linuxBridges: [String] = []) -> () throws(WiringError) -> HookSettings {
    { () throws(WiringError) in HookSettings(integrationBridge: bridge, linuxBridges: linuxBridges) }
}
