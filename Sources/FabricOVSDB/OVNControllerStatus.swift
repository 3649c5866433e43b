// SPDX-License-Identifier: Apache-2.0
public import FabricJSON
internal import FabricPOSIX

/// Whether `ovn-controller` runs on this host and is connected to the southbound database, read from its pid
/// file, `/proc` and its unixctl socket (`connection-status`), without spawning `ovn-appctl`.
public struct OVNControllerStatus: Sendable, Hashable, Codable {
    public var running: Bool
    public var pid: Int?
    /// `connection-status`'s answer: `true` for `connected`; `nil` when it could not be asked.
    public var connected: Bool?
    /// Why part of the status is unknown (no pid file, the control socket did not answer).
    public var error: String?

    public init(running: Bool, pid: Int? = nil, connected: Bool? = nil, error: String? = nil) {
        self.running = running
        self.pid = pid
        self.connected = connected
        self.error = error
    }

    /// ovn-controller's run directory: `$OVN_RUNDIR` when set and not empty, else `/run/ovn`.
    public static func defaultRunDirectory(_ environment: [String: String]? = nil) -> String {
        let value: String?
        if let environment { value = environment["OVN_RUNDIR"] } else { value = HostSystem.environmentVariable("OVN_RUNDIR") }
        if let value, !value.isEmpty { return value }
        return "/run/ovn"
    }

    /// Reads the status now.
    /// - Parameters:
    ///   - runDirectory: where `ovn-controller.pid` and `ovn-controller.<pid>.ctl` are.
    ///   - timeout: the deadline for connecting to the control socket and for its answer.
    public static func read(runDirectory: String = defaultRunDirectory(), timeout: Duration = .seconds(2))
        -> OVNControllerStatus
    {
        let pidFile = runDirectory + "/ovn-controller.pid"
        guard let text = readSmallFile(pidFile) else {
            return OVNControllerStatus(running: false, error: "no pid file \(pidFile): ovn-controller is not running")
        }
        guard let pid = Int(text.filter { !$0.isWhitespace }), pid > 1 else {
            return OVNControllerStatus(running: false, error: "pid file \(pidFile) does not hold a pid")
        }
        // A stale pid file may name a pid reused by another program.
        let command = readSmallFile("/proc/\(pid)/comm")?.filter { !$0.isNewline }
        guard command == "ovn-controller" else {
            return OVNControllerStatus(
                running: false, pid: pid, error: "pid file \(pidFile) names pid \(pid), which is not ovn-controller")
        }
        let socket = OVSDBEndpoint(socketPath: "\(runDirectory)/ovn-controller.\(pid).ctl")
        do throws(OVSDBError) {
            var client = try OVSDBClient(endpoint: socket, timeout: timeout)
            let reply = try client.call(method: "connection-status", params: [])
            return OVNControllerStatus(running: true, pid: pid, connected: try parseConnectionStatus(reply))
        } catch {
            return OVNControllerStatus(running: true, pid: pid, error: "ovn-controller's control socket: \(error)")
        }
    }

    /// The result of ovn-controller's `connection-status` command: `connected` or `not connected`.
    ///
    /// - Throws: ``OVSDBError`` `.protocolViolation` for any other answer.
    public static func parseConnectionStatus(_ result: JSONValue) throws(OVSDBError) -> Bool {
        switch result.stringValue?.trimmingCharacters(in: "\n ") {
        case "connected": return true
        case "not connected": return false
        default: throw .protocolViolation("unexpected connection-status answer: \(result.serialized())")
        }
    }

    private static func readSmallFile(_ path: String) -> String? {
        guard let bytes = try? FileDescriptor.readFile(path, limit: 256) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
