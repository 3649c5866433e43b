// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// The RPMs `make rpm` builds (scripts/run-tests.sh builds release 1 and release 2 of the same commit), checked
/// as files, as rpm describes them, against `make install`, and installed, upgraded and erased in a scratch root.
@Suite(.serialized) struct RPMPackagesTests {
    static let top = FileManager.default.currentDirectoryPath + "/.build/rpm"
    static let packages = ["fabric-agent", "vdsm-hook-fabric"]

    /// `NAME-VERSION-RELEASE.ARCH.rpm` of release `release`, or `nil`.
    static func rpm(_ name: String, release: Int = 1) -> String? {
        let folder = top + "/RPMS/x86_64"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.first {
            $0.hasPrefix(name + "-") && $0.dropFirst(name.count + 1).first?.isNumber == true
                && $0.contains("-\(release).") && $0.hasSuffix(".rpm")
        }.map { folder + "/" + $0 }
    }

    static var unavailableReason: String? {
        for tool in ["rpm", "rpmlint", "rpm2cpio"] where ProcessRunner.which(tool) == nil {
            return "\(tool) is missing (make test installs rpm and rpmlint)"
        }
        for name in packages where rpm(name) == nil || rpm(name, release: 2) == nil {
            return "no \(name) RPM of releases 1 and 2: run `make rpm` and `make rpm RELEASE=2` (scripts/run-tests.sh does)"
        }
        return nil
    }

    /// Every file each package installs, with its mode, as `make install` must lay it down too.
    static let expected: [String: [String: String]] = [
        "fabric-agent": [
            "/usr/bin/fabric-agent": "-rwxr-xr-x", "/usr/libexec/fabric/fabric-agentd": "-rwxr-xr-x",
            "/usr/lib/systemd/system/fabric-agent.service": "-rw-r--r--", "/usr/lib/sysusers.d/fabric.conf": "-rw-r--r--",
            "/etc/fabric/agent.conf": "-rw-r--r--", "/usr/share/doc/fabric/agent.md": "-rw-r--r--",
            "/usr/share/doc/fabric/classification.md": "-rw-r--r--",
            "/usr/share/doc/fabric/host-table-schema.md": "-rw-r--r--",
            "/usr/share/licenses/fabric/LICENSE": "-rw-r--r--",
            "/usr/libexec/fabric": "drwxr-xr-x", "/etc/fabric": "drwxr-xr-x", "/usr/share/doc/fabric": "drwxr-xr-x",
        ],
        "vdsm-hook-fabric": [
            "/usr/libexec/fabric/fabric-wire": "-rwxr-xr-x", "/etc/sudoers.d/50_vdsm_hook_fabric": "-r--r-----",
            "/usr/share/licenses/fabric/LICENSE": "-rw-r--r--", "/usr/libexec/fabric": "drwxr-xr-x",
            "/usr/share/doc/fabric": "drwxr-xr-x", "/usr/share/doc/fabric/hooks.md": "-rw-r--r--",
            "/usr/libexec/vdsm/hooks/before_device_create/50_fabric": "-rwxr-xr-x",
            "/usr/libexec/vdsm/hooks/before_nic_hotplug/50_fabric": "-rwxr-xr-x",
            "/usr/libexec/vdsm/hooks/before_vm_start/50_fabric": "-rwxr-xr-x",
            "/usr/libexec/vdsm/hooks/after_update_device/50_fabric": "-rwxr-xr-x",
            "/usr/libexec/vdsm/hooks/after_device_create/50_fabric": "-rwxr-xr-x",
            "/usr/libexec/vdsm/hooks/after_nic_hotplug/50_fabric": "-rwxr-xr-x",
            "/usr/libexec/vdsm/hooks/after_device_migrate_destination/50_fabric": "-rwxr-xr-x",
            "/usr/libexec/vdsm/hooks/after_get_caps/50_fabric": "-rwxr-xr-x",
        ],
    ]

    /// `rpm -qp --qf` over every file of a package: path → (mode string, owner, group).
    static func files(_ package: String) throws -> [String: (mode: String, owner: String, group: String)] {
        let output = try Self.text(
            "/usr/bin/rpm", ["-qp", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILENAMES}\n]", package])
        var result: [String: (mode: String, owner: String, group: String)] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3).map(String.init)
            if fields.count == 4 { result[fields[3]] = (fields[0], fields[1], fields[2]) }
        }
        return result
    }

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func eachPackageHoldsExactlyItsFilesWithTheirModesAndOwners() throws {
        for name in Self.packages {
            let listed = try Self.files(try #require(Self.rpm(name)))
            let expected = try #require(Self.expected[name])
            #expect(Set(listed.keys) == Set(expected.keys), "\(name): no file or folder of another package")
            for (path, mode) in expected {
                #expect(listed[path]?.mode == mode, "\(name) \(path)")
                #expect(listed[path]?.owner == "root" && listed[path]?.group == "root", "\(name) \(path)")
            }
        }
    }

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func relationsScriptsAndConfiguration() throws {
        let hook = try #require(Self.rpm("vdsm-hook-fabric"))
        let agent = try #require(Self.rpm("fabric-agent"))
        func query(_ rpm: String, _ flag: String) throws -> String {
            try Self.text("/usr/bin/rpm", ["-qp", flag, rpm])
        }
        #expect(try query(hook, "--conflicts").contains("vdsm-hook-openstacknet"))
        #expect(!(try query(hook, "--conflicts")).contains("ovirt-provider-ovn-driver"), "coexists with the OVN driver")
        let hookRequires = try query(hook, "--requires")
        #expect(hookRequires.contains("vdsm") && hookRequires.contains("sudo"))
        #expect(try query(agent, "--requires").contains("openssl-libs"), "libssl is loaded with dlopen, not linked")
        #expect(!hookRequires.contains("libssl"), "the hooks never load OpenSSL")
        #expect(try query(agent, "--configfiles").split(separator: "\n") == ["/etc/fabric/agent.conf"])
        #expect(try query(hook, "--configfiles").split(separator: "\n") == ["/etc/sudoers.d/50_vdsm_hook_fabric"])
        let scripts = try query(agent, "--scripts")
        #expect(scripts.contains("systemd-sysusers /usr/lib/sysusers.d/fabric.conf"))
        #expect(scripts.contains("preset fabric-agent.service"), "enables nothing itself: a preset decides")
        let words = Set(scripts.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }))
        #expect(!words.contains("enable") && !words.contains("start") && !words.contains("restart"))
        #expect(scripts.contains("try-restart fabric-agent.service"))
        #expect(scripts.contains("disable --now fabric-agent.service"))
        // Provides: each package itself, nothing that belongs to another.
        let provides = try query(agent, "--provides") + (try query(hook, "--provides"))
        #expect(!provides.contains("vdsm-hook-openstacknet") && !provides.contains("vdsm ="))
    }

    /// The automatic ELF dependencies declare the glibc floor, so dnf refuses a host with an older glibc instead
    /// of the dynamic loader failing at the first run. Prints each binary's highest GLIBC_ symbol version.
    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func glibcFloorIsDeclared() throws {
        let stage = FileManager.default.currentDirectoryPath + "/.build/stage"
        var highest: [(String, String)] = []
        for (name, files) in Self.expected {
            let requires = try Self.text("/usr/bin/rpm", ["-qp", "--requires", try #require(Self.rpm(name))])
            for (path, mode) in files where mode == "-rwxr-xr-x" {
                let symbols = try Self.text("/usr/bin/objdump", ["-T", stage + path])
                let versions = symbols.split(separator: "\n").compactMap { line -> [Int]? in
                    guard let range = line.range(of: "GLIBC_") else { return nil }
                    let text = line[range.upperBound...].prefix { $0.isNumber || $0 == "." }
                    return text.split(separator: ".").compactMap { Int($0) }
                }
                let top = try #require(versions.max { $0.lexicographicallyPrecedes($1) })
                let version = top.map(String.init).joined(separator: ".")
                highest.append((path, version))
                #expect(requires.contains("(GLIBC_\(version))(64bit)"), "\(name) declares GLIBC_\(version) for \(path)")
            }
        }
        print("highest GLIBC symbol version per binary:", highest.sorted { $0.0 < $1.0 }.map { "\($0.0) \($0.1)" })
    }

    /// `make install` and the spec lay down the same files with the same modes.
    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func makeInstallLaysDownTheSameFilesAsThePackages() throws {
        let stage = FileManager.default.currentDirectoryPath + "/.build/stage"
        var packaged: [String: String] = [:]
        for name in Self.packages {
            for (path, file) in try Self.files(try #require(Self.rpm(name))) where !file.mode.hasPrefix("d") {
                packaged[path] = file.mode
            }
        }
        var installed: [String: String] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: stage))
        for case let relative as String in enumerator {
            let attributes = try FileManager.default.attributesOfItem(atPath: stage + "/" + relative)
            guard attributes[.type] as? FileAttributeType != .typeDirectory else { continue }
            installed["/" + relative] = Self.perms((attributes[.posixPermissions] as? Int) ?? 0)
        }
        #expect(installed == packaged)
    }

    static func text(_ executable: String, _ arguments: [String]) throws -> String {
        String(decoding: try ProcessRunner.checkedOutput(executable, arguments), as: UTF8.self)
    }

    static func perms(_ mode: Int) -> String {
        let letters: [Character] = ["r", "w", "x"]
        var text = "-"
        for bit in 0..<9 { text.append((mode >> (8 - bit)) & 1 == 1 ? letters[bit % 3] : "-") }
        return text
    }

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func rpmlintReportsNoErrorsAndOnlyTheKeptWarnings() throws {
        let spec = try #require(
            try FileManager.default.contentsOfDirectory(atPath: Self.top + "/../dist/spec").first.map {
                Self.top + "/../dist/spec/\($0)/packaging/rpm/fabric.spec"
            })
        let rc = FileManager.default.currentDirectoryPath + "/packaging/rpm/fabric.rpmlintrc"
        let result = try ProcessRunner.run(
            "/usr/bin/rpmlint", ["-r", rc, spec] + Self.packages.compactMap { Self.rpm($0) })
        #expect(result.output.contains(" 0 errors, 0 warnings"), "\(result.output)")
    }

    // MARK: installed, upgraded and erased in a scratch root

    /// A root with an rpm database and a static busybox as `/bin/sh` for the scriptlets. rpm runs with `--nodeps`
    /// because this root has none of the EL packages the RPMs require: vdsm, sudo, systemd, glibc, libnl3,
    /// libxml2.
    final class ScratchRoot {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "rpmroot-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: path + "/bin", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: path + "/var/tmp", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: path + "/bin/sh")
            _ = try RPMPackagesTests.text("/usr/bin/rpm", ["--root", path, "--initdb"])
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func rpm(_ arguments: [String]) throws -> ProcessResult {
            try ProcessRunner.run("/usr/bin/rpm", ["--root", path, "--nodeps"] + arguments)
        }

        /// Every file (not folder) under the root but the rpm database and the shell put there for scriptlets.
        func files() throws -> Set<String> {
            var result = Set<String>()
            let enumerator = try #require(FileManager.default.enumerator(atPath: path))
            for case let relative as String in enumerator {
                // The rpm database: /var/lib/rpm on EL, ~/.rpmdb with Debian's rpm.
                if ["var/lib/rpm", "usr/lib/sysimage", "root/.rpmdb"].contains(where: { relative.hasPrefix($0) }) { continue }
                if relative == "bin/sh" { continue }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                    result.insert("/" + relative)
                }
            }
            return result
        }
    }

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func installedPackagesWorkAsBuilt() throws {
        let root = try ScratchRoot()
        let install = try root.rpm(["-i"] + Self.packages.compactMap { Self.rpm($0) })
        #expect(install.status == 0, "\(install.standardError)")

        // The installed hooks run the VDSM way and write what the built binaries write.
        let interface = Array(
            """
            <?xml version='1.0' encoding='utf-8'?>
            <interface type="bridge"><mac address="56:6f:1a:2b:00:07" /><model type="virtio" /><source bridge="ext" /><mtu size="1442" /></interface>
            """.utf8)
        let properties = [
            "provider_type": "OPENSTACK_NETWORK", "plugin_type": "OPEN_VSWITCH",
            "vnic_id": "8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f", "vmId": "5b1e0a9c-3f4d-4c2b-9e8f-7a6b5c4d3e2f",
        ]
        let installed = try HookProcess(
            executable: root.path + "/usr/libexec/vdsm/hooks/before_device_create/50_fabric", point: "before_device_create"
        ).run(data: interface, environment: properties)
        let built = try HookProcess(
            executable: FileManager.default.currentDirectoryPath + "/.build/stage/usr/libexec/vdsm/hooks/before_device_create/50_fabric",
            point: "before_device_create"
        ).run(data: interface, environment: properties)
        #expect(installed.status == 0 && installed.output == built.output && installed.output != interface)

        if let visudo = ProcessRunner.which("visudo") {
            let check = try ProcessRunner.run(visudo, ["-cf", root.path + "/etc/sudoers.d/50_vdsm_hook_fabric"])
            #expect(check.status == 0, "\(check.output) \(check.standardError)")
        }
        if let analyze = ProcessRunner.which("systemd-analyze") {
            // Verified against this machine's systemd, with ExecStart at the installed binary (the root has no
            // systemd of its own to verify against).
            let unit = try String(contentsOfFile: root.path + "/usr/lib/systemd/system/fabric-agent.service", encoding: .utf8)
            #expect(unit.contains("ExecStart=/usr/bin/fabric-agent serve"))
            let copy = root.path + "/verify/fabric-agent.service"
            try FileManager.default.createDirectory(atPath: root.path + "/verify", withIntermediateDirectories: true)
            try unit.replacingOccurrences(of: "ExecStart=/usr/bin/fabric-agent", with: "ExecStart=\(root.path)/usr/bin/fabric-agent")
                .write(toFile: copy, atomically: true, encoding: .utf8)
            let verify = try ProcessRunner.run(analyze, ["verify", copy])
            #expect(verify.status == 0, "\(verify.standardError)")
        }
        let show = try ProcessRunner.run(root.path + "/usr/bin/fabric-agent", ["show", "--no-rates"])
        #expect(show.status == 0, "\(show.standardError)")
        #expect(show.output.contains("Network Name") && show.output.contains("lo"))
        let version = try ProcessRunner.run(root.path + "/usr/bin/fabric-agent", ["--version"])
        #expect(try Self.text("/usr/bin/rpm", ["-qp", "--qf", "%{VERSION}", try #require(Self.rpm("fabric-agent"))])
            == version.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func upgradeKeepsTheEditedConfigurationAndEraseLeavesOnlyIt() throws {
        let root = try ScratchRoot()
        #expect(try root.rpm(["-i"] + Self.packages.compactMap { Self.rpm($0) }).status == 0)
        let conf = root.path + "/etc/fabric/agent.conf"
        let edited = "sample-interval = 2\n"
        try edited.write(toFile: conf, atomically: false, encoding: .utf8)

        let upgrade = try root.rpm(["-U"] + Self.packages.compactMap { Self.rpm($0, release: 2) })
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        #expect(try String(contentsOfFile: conf, encoding: .utf8) == edited)
        let versions = try root.rpm(["-q", "--qf", "%{NAME}-%{RELEASE}\n"] + Self.packages)
        #expect(versions.output.split(separator: "\n").allSatisfy { $0.hasSuffix("-2") }, "\(versions.output)")

        let erase = try root.rpm(["-e"] + Self.packages)
        #expect(erase.status == 0, "\(erase.standardError)")
        #expect(try root.files() == ["/etc/fabric/agent.conf.rpmsave"])
        #expect(try String(contentsOfFile: conf + ".rpmsave", encoding: .utf8) == edited)
        let hooks = root.path + "/usr/libexec/vdsm/hooks"
        let left = (try? FileManager.default.subpathsOfDirectory(atPath: hooks))?.filter { $0.hasSuffix("50_fabric") } ?? []
        #expect(left.isEmpty, "no hook left behind: \(left)")
    }
}
