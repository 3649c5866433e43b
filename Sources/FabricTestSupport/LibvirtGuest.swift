// SPDX-License-Identifier: Apache-2.0
public import Foundation
import NIOConcurrencyHelpers

/// A throw-away guest on the system's real libvirtd (`qemu:///system`): `<domain type='qemu'>` (TCG), direct
/// kernel boot of the VM test host's cached Debian kernel with a busybox initramfs whose init only sleeps, no
/// disk, 160 MiB, and exactly the `<interface>` elements under test. Tests only need QEMU to start (that is when
/// libvirt creates the taps and plugs them), not the guest to boot.
///
/// `make test` prepares the host with `scripts/libvirt-setup.sh` and `scripts/vmhost/build.sh`; without them
/// ``unavailableReason`` says what is missing. The guest is destroyed (`virsh destroy`, it is transient) in
/// ``destroy()`` and in `deinit`. Every `virsh` call is bounded by `timeout`.
public final class LibvirtGuest: @unchecked Sendable {
    public static let connection = "qemu:///system"

    public static var unavailableReason: String? {
        if geteuid() != 0 { return "libvirt guests: needs root" }
        for tool in ["/usr/bin/virsh", "/usr/bin/qemu-system-x86_64", "/usr/bin/cpio", "/usr/bin/timeout"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "libvirt guests: \(tool) missing (run scripts/libvirt-setup.sh)"
        }
        guard ProcessRunner.which("busybox") != nil else { return "libvirt guests: busybox missing (busybox-static)" }
        let kernel = VMTestHost.cacheDirectory.appendingPathComponent("vmlinuz").path
        guard FileManager.default.fileExists(atPath: kernel) else {
            return "libvirt guests: no kernel at \(kernel) (run scripts/vmhost/build.sh)"
        }
        guard let version = try? virsh(["version"]), version.status == 0 else {
            return "libvirt guests: libvirtd does not answer on \(connection) (run scripts/libvirt-setup.sh)"
        }
        return nil
    }

    public static var isAvailable: Bool { unavailableReason == nil }

    public let name: String
    /// The domain UUID libvirt writes as OVS `vm-id`.
    public let uuid: String
    private var destroyed = false

    /// Starts the guest with `interfaces` (each one `<interface>` element's XML).
    public init(interfaces: [String], name: String = "fabric-\(UUID().uuidString.prefix(8).lowercased())") throws {
        self.name = name
        self.uuid = UUID().uuidString.lowercased()
        let folder = try Self.initramfsFolder()
        let kernel = VMTestHost.cacheDirectory.appendingPathComponent("vmlinuz").path
        let xml = """
            <domain type='qemu'>
              <name>\(name)</name>
              <uuid>\(uuid)</uuid>
              <memory unit='MiB'>160</memory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>\(kernel)</kernel>
                <initrd>\(folder)/initrd.gz</initrd>
                <cmdline>console=ttyS0 quiet panic=-1</cmdline>
              </os>
              <features><acpi/></features>
              <on_crash>destroy</on_crash>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                \(interfaces.joined(separator: "\n"))
                <serial type='pty'/>
                <video><model type='none'/></video>
                <memballoon model='none'/>
              </devices>
            </domain>
            """
        let file = folder + "/\(name).xml"
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        try Self.checkedVirsh(["create", file])
    }

    deinit { destroy() }

    /// `virsh attach-device --live` of one element.
    public func attach(_ element: String) throws {
        try withTemporaryFile(element) { try Self.checkedVirsh(["attach-device", name, $0, "--live"]) }
    }

    /// `virsh update-device --live` of one element.
    public func update(_ element: String) throws {
        try withTemporaryFile(element) { try Self.checkedVirsh(["update-device", name, $0, "--live"]) }
    }

    /// The live domain XML.
    public func liveXML() throws -> String { try Self.checkedVirsh(["dumpxml", name]) }

    /// `virsh domstate`: `running`, `shut off`, …
    public func state() throws -> String {
        try Self.checkedVirsh(["domstate", name]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the guest; libvirt then removes its taps. Safe to call more than once.
    public func destroy() {
        if destroyed { return }
        destroyed = true
        _ = try? Self.virsh(["destroy", name])
    }

    private func withTemporaryFile(_ text: String, _ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "fabric-device-\(UUID().uuidString).xml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        try body(path)
    }

    @discardableResult
    static func checkedVirsh(_ arguments: [String]) throws -> String {
        let result = try virsh(arguments)
        guard result.status == 0 else {
            throw SandboxError(message: "virsh \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
        return result.output
    }

    static func virsh(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/timeout", ["--kill-after=5", "60", "/usr/bin/virsh", "-c", connection] + arguments)
    }

    /// One initramfs per test process: `/bin/busybox` and an `/init` that sleeps. (A pthread lock: ThreadSanitizer
    /// does not see a contended `Synchronization.Mutex` on Linux.)
    private static let initramfs = NIOLockedValueBox<String?>(nil)

    private static func initramfsFolder() throws -> String {
        try initramfs.withLockedValue { folder in
            if let folder { return folder }
            let created = NSTemporaryDirectory() + "fabric-guest-\(getpid())"
            let root = created + "/root"
            try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
            guard let busybox = ProcessRunner.which("busybox") else { throw SandboxError(message: "no busybox") }
            try FileManager.default.copyItem(atPath: busybox, toPath: root + "/bin/busybox")
            try "#!/bin/busybox sh\nexec /bin/busybox sleep 100000\n".write(
                toFile: root + "/init", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/init")
            try ProcessRunner.checkedOutput(
                "/bin/sh", ["-c", "cd '\(root)' && find . | cpio -o -H newc 2>/dev/null | gzip -1 > '\(created)/initrd.gz'"])
            folder = created
            return created
        }
    }
}
