// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// Runs one built hook executable the way VDSM does: installed as `<folder>/<point>/50_fabric` (the after-hooks
/// dispatch on that folder name), the data in a fresh 0600 file named by `_hook_domxml`, `vmId` and the custom
/// properties as environment variables, stdin `/dev/null`, argv[0] the full path.
public struct HookProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stderr: String
        /// The data file's content after the hook.
        public var output: [UInt8]
    }

    public var executable: String
    public var point: String

    public init(executable: String, point: String) {
        self.executable = executable
        self.point = point
    }

    /// - Parameters:
    ///   - environment: variables beyond `_hook_domxml` (`vmId`, the custom properties); the hook gets only these
    ///     plus `PATH`, as VDSM's hooks get VDSM's environment, not the test runner's.
    ///   - settings: other hook settings (and helper) than the host's, seen at the fixed paths.
    ///   - owner: run as this user (`setpriv --reuid/--regid --clear-groups`) instead of the caller; the data
    ///     file and its folder are given to that user, as VDSM's temporary file belongs to `vdsm`.
    ///   - group: the owner's group, when it is not named after the user (`vdsm` is in `kvm`); the hook then
    ///     also gets the user's supplementary groups, as VDSM's hooks inherit VDSM's.
    public func run(
        data: [UInt8], environment: [String: String], settings: HookSettingsOverlay? = nil, owner: String? = nil,
        group: String? = nil, timeoutSeconds: Int = 30
    ) throws -> Result {
        let folder = NSTemporaryDirectory() + "hook-\(UUID().uuidString)"
        let hook = folder + "/" + point + "/50_fabric"
        try FileManager.default.createDirectory(atPath: folder + "/" + point, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: executable, toPath: hook)
        let dataPath = folder + "/data.xml"
        guard FileManager.default.createFile(atPath: dataPath, contents: Data(data), attributes: [.posixPermissions: 0o600])
        else { throw SandboxError(message: "cannot write \(dataPath)") }
        var command = ["/usr/bin/timeout", "--kill-after=5", String(timeoutSeconds)] + (settings?.commandPrefix ?? [])
        if let owner {
            for path in [folder, folder + "/" + point, hook, dataPath] {
                _ = try ProcessRunner.checkedOutput("/bin/chown", ["\(owner):\(group ?? owner)", path])
            }
            command += ["/usr/bin/setpriv", "--reuid=\(owner)", "--regid=\(group ?? owner)", group == nil ? "--clear-groups" : "--init-groups"]
        }
        var variables = environment
        variables["_hook_domxml"] = dataPath
        variables["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
        command += ["/usr/bin/env", "-i"] + variables.map { "\($0.key)=\($0.value)" }.sorted() + [hook]
        let result = try ProcessRunner.run(command[0], Array(command.dropFirst()))
        let output = Array(try Data(contentsOf: URL(fileURLWithPath: dataPath)))
        return Result(status: result.status, stderr: result.standardError, output: output)
    }
}
