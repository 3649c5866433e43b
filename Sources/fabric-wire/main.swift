// SPDX-License-Identifier: Apache-2.0
// fabric-wire: the narrow privileged helper VDSM's after-hooks run through `sudo -n` (they run as `vdsm`).
// It takes one strictly validated change (see HostChange+Arguments.swift), applies it through netlink and the
// OVSDB protocol, and exits 0 (done or already in place), 1 (the change failed) or 64 (arguments rejected,
// nothing touched). One line on stderr on failure.
import FabricWire
import FabricWiring

#if canImport(Glibc)
import Glibc
#endif

func fail(_ error: WireError) -> Never {
    let line = Array("fabric-wire: \(error.message.split(whereSeparator: \.isNewline).joined(separator: " "))\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(error.exitCode)
}

do {
    let change = try HostChange(wireArguments: Array(CommandLine.arguments.dropFirst()))
    try HostChangeExecutor.apply(change)
    exit(0)
} catch {
    fail(error)
}
