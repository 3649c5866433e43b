// SPDX-License-Identifier: Apache-2.0
internal import ServiceLifecycle

internal import FabricPOSIX

/// The sd_notify protocol without libsystemd: one datagram per state change to the unix socket named
/// by `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace). Without the variable (not
/// started by systemd with `Type=notify`) every call is a no-op.
public struct SystemdNotifier: Sendable {
    public var socketPath: String?

    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sends `state` (`READY=1`, `STOPPING=1`, `RELOADING=1`, `STATUS=…`, newline-separated).
    /// - Returns: whether the datagram was sent (`false` also when there is no socket).
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath, let address = try? UnixSocketAddress(path: socketPath),
            let socket = try? FileDescriptor.unixSocket(datagram: true)
        else { return false }
        return (try? socket.send(datagram: Array(state.utf8), to: address)) != nil
    }
}
