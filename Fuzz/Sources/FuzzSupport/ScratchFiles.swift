// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
    internal import Glibc
#endif

/// A folder of this process for the parsers that only read files (VDSM's netconf, Neutron's INI files,
/// `agent.conf`): each run writes the input there and points the parser at it, through its real entry point.
/// Under `$TMPDIR` (scripts/fuzz.sh sets one inside `Fuzz/.build`), one per process, so parallel jobs never
/// share files.
public enum ScratchFiles {
    /// The folder's absolute path, without a trailing slash.
    public static let root: String = {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/fabric-fuzz-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("cannot make a scratch folder under \(base)")
        }
        return String(cString: made)
    }()

    /// Writes `bytes` to `relativePath` (folders made as needed) and returns the absolute path.
    @discardableResult
    public static func write(_ bytes: [UInt8], to relativePath: String) -> String {
        let path = root + "/" + relativePath
        var folder = root
        for part in relativePath.split(separator: "/").dropLast() {
            folder += "/" + part
            _ = mkdir(folder, 0o700)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("cannot write \(path)") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { fatalError("cannot write \(path)") }
            written += count
        }
        return path
    }
}

/// The input cut at NUL bytes: several texts (or arguments) from one input, as a C `argv` would carry them.
/// No bytes are no texts at all.
public func splitOnNUL(_ bytes: [UInt8]) -> [String] {
    guard !bytes.isEmpty else { return [] }
    return bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
}
