// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// What `make install DESTDIR=…` lays down, checked on the staging tree `scripts/run-tests.sh` installs
/// into (`.build/stage`, from the release build, Swift runtime linked statically, that the RPMs were made of).
@Suite struct InstallLayoutTests {
    static let stage = FileManager.default.currentDirectoryPath + "/.build/stage"
    static let staged = FileManager.default.fileExists(atPath: stage + "/usr/bin/fabric-agent")
    static let reason: Comment = "run `make install DESTDIR=.build/stage` first (scripts/run-tests.sh does)"
    static let hooks = "/usr/libexec/vdsm/hooks"
    static let points = [
        "before_device_create", "before_nic_hotplug", "before_vm_start", "after_update_device",
        "after_device_create", "after_nic_hotplug", "after_device_migrate_destination", "after_get_caps",
    ]

    @Test(.enabled(if: staged, reason))
    func everyHookPointHoldsExactlyOneExecutable50Fabric() throws {
        let hooksDir = Self.stage + Self.hooks
        let installed = try FileManager.default.contentsOfDirectory(atPath: hooksDir).sorted()
        #expect(installed == Self.points.sorted())
        for point in Self.points {
            let folder = hooksDir + "/" + point
            let entries = try FileManager.default.contentsOfDirectory(atPath: folder)
            #expect(entries == ["50_fabric"], "\(point) holds \(entries)")
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/50_fabric")
            #expect((attributes[.posixPermissions] as? Int) == 0o755, "\(point)")
        }
    }

    @Test(.enabled(if: staged, reason))
    func theSameBinaryServesPairedHookPoints() throws {
        let hooksDir = Self.stage + Self.hooks
        func bytes(_ point: String) -> Data? { FileManager.default.contents(atPath: hooksDir + "/\(point)/50_fabric") }
        #expect(bytes("before_device_create") == bytes("before_nic_hotplug"))
        #expect(bytes("after_update_device") == bytes("after_nic_hotplug"))
        #expect(bytes("before_device_create") != bytes("before_vm_start"))
    }

    @Test(.enabled(if: staged, reason))
    func binariesLinkTheSwiftRuntimeStatically() throws {
        var binaries = Self.points.map { Self.stage + Self.hooks + "/\($0)/50_fabric" }
        binaries += [
            Self.stage + "/usr/bin/fabric-agent", Self.stage + "/usr/libexec/fabric/fabric-agentd",
            Self.stage + "/usr/libexec/fabric/fabric-wire",
        ]
        for binary in binaries {
            let ldd = try ProcessRunner.run("ldd", [binary])
            #expect(ldd.status == 0, "\(binary)")
            #expect(!ldd.output.contains("libswift"), "\(binary) links a shared Swift runtime:\n\(ldd.output)")
            #expect(!ldd.output.contains("not found"), "\(binary)")
            // FabricTLS loads it on the first `ssl:` connection; mapping it costs every start about 1.1 ms.
            #expect(!ldd.output.contains("libssl"), "\(binary) loads OpenSSL at start:\n\(ldd.output)")
        }
    }

    /// libstdc++ comes from its static archive wherever libstdc++.so would be loaded for the Swift runtime alone
    /// (scripts/static-libstdcxx.sh, Package.swift): always in `fabric-agent` and `after_get_caps`; in the XML
    /// hooks and `fabric-wire` only where libxml2 does not load libstdc++.so itself (Debian's does, through ICU).
    @Test(
        .enabled(if: staged, reason),
        .enabled(if: StaticLibstdcxx.toolchainHasArchive, "the toolchain has no libstdc++.a"))
    func libstdcxxIsSharedOnlyWithALibraryThatLoadsItAnyway() throws {
        let libxml2LoadsIt = try StaticLibstdcxx.loadsLibstdcxx(try StaticLibstdcxx.systemLibxml2())
        let agentLike = [Self.hooks + "/after_get_caps/50_fabric", "/usr/bin/fabric-agent"]
        let xmlLike =
            ["before_device_create", "before_vm_start", "after_update_device"].map { Self.hooks + "/\($0)/50_fabric" }
            + ["/usr/libexec/fabric/fabric-wire"]
        for binary in agentLike {
            #expect(try !StaticLibstdcxx.needsLibstdcxx(Self.stage + binary), "\(binary) takes libstdc++ statically")
        }
        for binary in xmlLike {
            #expect(
                try StaticLibstdcxx.needsLibstdcxx(Self.stage + binary) == libxml2LoadsIt,
                "\(binary) shares libstdc++.so exactly when libxml2 loads it (\(libxml2LoadsIt))")
        }
    }

    @Test(.enabled(if: staged, reason))
    func theSudoersDropInIsNarrowAndValid() throws {
        let path = Self.stage + "/etc/sudoers.d/50_vdsm_hook_fabric"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o440)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("NOPASSWD: /usr/libexec/fabric/fabric-wire"))
        #expect(!text.contains("ALL=(ALL)"))
        if let visudo = ProcessRunner.which("visudo") {
            #expect(try ProcessRunner.run(visudo, ["-cf", path]).status == 0)
        }
    }

    @Test(.enabled(if: staged, reason))
    func theUnitsDocumentationIsInstalled() throws {
        let unit = try String(contentsOfFile: Self.stage + "/usr/lib/systemd/system/fabric-agent.service", encoding: .utf8)
        let files = unit.split(separator: "\n").filter { $0.hasPrefix("Documentation=") }
            .flatMap { $0.dropFirst("Documentation=".count).split(separator: " ") }
            .filter { $0.hasPrefix("file:") }.map { String($0.dropFirst("file:".count)) }
        #expect(!files.isEmpty)
        for file in files {
            #expect(FileManager.default.fileExists(atPath: Self.stage + file), "\(file) is installed")
        }
    }

    /// The unit starts only if its user and every group it names exist: the installed sysusers file creates
    /// each of them (where missing), and `systemd-sysusers` accepts it.
    @Test(.enabled(if: staged, reason))
    func theSysusersFileCreatesTheUnitsUserAndGroups() throws {
        let unit = try UnitPrivileges(unitFile: Self.stage + "/usr/lib/systemd/system/fabric-agent.service")
        let sysusers = try String(contentsOfFile: Self.stage + "/usr/lib/sysusers.d/fabric.conf", encoding: .utf8)
        let lines = sysusers.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let users = Set(lines.filter { $0.first == "u" && $0.count > 1 }.map { $0[1] })
        let groups = Set(lines.filter { $0.first == "g" && $0.count > 1 }.map { $0[1] }).union(users)
        let user = try #require(unit.user)
        #expect(user != "root")
        #expect(users.contains(user))
        for group in [unit.group ?? user] + unit.supplementaryGroups {
            #expect(groups.contains(group), "\(group) is created by the sysusers file")
        }
        #expect(unit.capabilityBoundingSet == [], "no capability")
        if let tool = ProcessRunner.which("systemd-sysusers") {
            let result = try ProcessRunner.run(tool, ["--dry-run", Self.stage + "/usr/lib/sysusers.d/fabric.conf"])
            #expect(result.status == 0, "\(result.standardError)")
        }
    }
}

/// scripts/static-libstdcxx.sh's choice, made on the library the XML hooks link.
@Suite struct StaticLibstdcxx {
    static var toolchainHasArchive: Bool {
        (try? ProcessRunner.run("clang", ["-print-file-name=libstdc++.a"]).output.hasPrefix("/")) ?? false
    }

    static func systemLibxml2() throws -> String {
        let libdir = try ProcessRunner.run("pkg-config", ["--variable=libdir", "libxml-2.0"])
        try #require(libdir.status == 0, "pkg-config knows libxml-2.0")
        return libdir.output.trimmingCharacters(in: .whitespacesAndNewlines) + "/libxml2.so"
    }

    /// Whether loading `library` loads libstdc++.so, directly or through another library.
    static func loadsLibstdcxx(_ library: String) throws -> Bool {
        let ldd = try ProcessRunner.run("ldd", [library])
        try #require(ldd.status == 0, "ldd \(library): \(ldd.standardError)")
        return ldd.output.contains("libstdc++")
    }

    /// Whether `binary` itself names libstdc++.so among the libraries it needs.
    static func needsLibstdcxx(_ binary: String) throws -> Bool {
        let dynamic = try ProcessRunner.run("readelf", ["-d", binary])
        try #require(dynamic.status == 0, "readelf -d \(binary)")
        return dynamic.output.contains("[libstdc++.so")
    }

    static func links(_ library: String) throws -> (agent: Bool, xmlHooks: Bool) {
        let build = FileManager.default.temporaryDirectory.path + "/static-libstdcxx-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: build) }
        let script = FileManager.default.currentDirectoryPath + "/scripts/static-libstdcxx.sh"
        let run = try ProcessRunner.run("/usr/bin/env", ["FABRIC_LIBXML2=\(library)", script, build])
        try #require(run.status == 0, "\(run.standardError)")
        func linked(_ folder: String) -> Bool {
            FileManager.default.fileExists(atPath: build + "/" + folder + "/libstdc++.a")
        }
        return (linked("static-libstdc++"), linked("static-libstdc++-xml"))
    }

    /// With a libxml2 that loads libstdc++.so (Debian's) the XML hooks share it; with a library that loads none
    /// (libz stands in for a libxml2 built without ICU) they take the archive too. The agent always does.
    @Test(.enabled(if: toolchainHasArchive, "the toolchain has no libstdc++.a"))
    func theXMLHooksTakeTheArchiveOnlyWhereLibxml2LoadsNoLibstdcxx() throws {
        let libxml2 = try Self.systemLibxml2()
        let lddOfLibxml2 = try ProcessRunner.run("ldd", [libxml2]).output
        let libzLine = try #require(lddOfLibxml2.split(separator: "\n").first { $0.contains("libz.so") }, "libxml2 links libz")
        let libz = try #require(libzLine.split(separator: " ").first { $0.hasPrefix("/") })
        #expect(try !Self.loadsLibstdcxx(String(libz)))

        let withLibxml2 = try Self.links(libxml2)
        #expect(withLibxml2.agent)
        #expect(withLibxml2.xmlHooks == !(try Self.loadsLibstdcxx(libxml2)))
        let withoutLibstdcxx = try Self.links(String(libz))
        #expect(withoutLibstdcxx.agent && withoutLibstdcxx.xmlHooks)
    }
}
