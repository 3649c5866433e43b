// SPDX-License-Identifier: Apache-2.0
internal import CNetlink
internal import FabricPOSIX

/// An error from libnl (an `NLE_*` code) or from the system (an `errno` value).
///
/// The two code spaces overlap numerically (`NLE_NOMEM` is 5, `EIO` is 5), so the domain is part of the
/// value: compare with the static members (`error == .noDevice`). Equality and hashing consider only
/// ``domain`` and ``code``; ``operation`` is context for the message and is ignored when comparing, so
/// `#expect(throws: NetlinkError.noDevice)` matches an error raised by any call.
public struct NetlinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Which code space ``code`` belongs to.
    public enum Domain: String, Hashable, Sendable {
        /// A libnl error, `NLE_*` from `<netlink/errno.h>`.
        case netlink
        /// A system error, an `errno` value from `<errno.h>`.
        case system
    }

    public let domain: Domain
    /// The positive `NLE_*` or `errno` value.
    public let code: Int32
    /// What fabric was doing (`"connect NETLINK_ROUTE"`, `"setns /run/netns/x"`), for the message only.
    public let operation: String?

    /// An error in libnl's code space. Accepts libnl's negative return values as well.
    public init(netlink code: Int32, operation: String? = nil) {
        self.domain = .netlink
        self.code = code < 0 ? -code : code
        self.operation = operation
    }

    /// An error in the `errno` code space.
    public init(errno code: Int32, operation: String? = nil) {
        self.domain = .system
        self.code = code < 0 ? -code : code
        self.operation = operation
    }

    /// The same error with a different ``operation``.
    public func during(_ operation: String) -> NetlinkError {
        switch domain {
        case .netlink: NetlinkError(netlink: code, operation: operation)
        case .system: NetlinkError(errno: code, operation: operation)
        }
    }

    /// The library's text for the code: `nl_geterror` for netlink, `strerror` for errno.
    public var message: String {
        switch domain {
        case .netlink:
            guard let text = nl_geterror(code) else { return "unknown netlink error" }
            return String(cString: text)
        case .system:
            guard let text = strerror(code) else { return "unknown system error" }
            return String(cString: text)
        }
    }

    /// The C name of the code (`NLE_NODEV`, `ENOENT`) when fabric knows it, else the number.
    public var symbolicName: String {
        switch domain {
        case .netlink: Self.netlinkNames[code] ?? "NLE_\(code)"
        case .system: Errno(rawValue: code).name ?? "errno \(code)"
        }
    }

    public var description: String {
        let prefix = domain == .netlink ? "netlink error" : "system error"
        let context = operation.map { "\($0): " } ?? ""
        return "\(context)\(prefix) \(symbolicName) (\(code)): \(message)"
    }

    public static func == (lhs: NetlinkError, rhs: NetlinkError) -> Bool {
        lhs.domain == rhs.domain && lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(domain)
        hasher.combine(code)
    }

    // MARK: - Netlink (NLE_*) errors

    /// The link or device does not exist. The corresponding C error is `NLE_NODEV` (kernel `ENODEV`).
    public static let noDevice = NetlinkError(netlink: NLE_NODEV)
    /// Out of memory, or the socket's receive buffer overran. The corresponding C error is `NLE_NOMEM`.
    public static let noMemory = NetlinkError(netlink: NLE_NOMEM)
    /// The kernel changed the table during a dump (`NLM_F_DUMP_INTR`). The corresponding C error is
    /// `NLE_DUMP_INTR`.
    public static let dumpInterrupted = NetlinkError(netlink: NLE_DUMP_INTR)
    /// The operation needs a capability the process lacks (`EPERM`). The corresponding C error is
    /// `NLE_PERM`.
    public static let permissionDenied = NetlinkError(netlink: NLE_PERM)
    /// Access denied (`EACCES`). The corresponding C error is `NLE_NOACCESS`.
    public static let noAccess = NetlinkError(netlink: NLE_NOACCESS)
    /// The object was not found (`ENOENT`, `ESRCH`). The corresponding C error is `NLE_OBJ_NOTFOUND`.
    public static let objectNotFound = NetlinkError(netlink: NLE_OBJ_NOTFOUND)
    /// The object already exists. The corresponding C error is `NLE_EXIST`.
    public static let exists = NetlinkError(netlink: NLE_EXIST)
    /// An argument was invalid. The corresponding C error is `NLE_INVAL`.
    public static let invalidArgument = NetlinkError(netlink: NLE_INVAL)
    /// The device or resource is busy. The corresponding C error is `NLE_BUSY`.
    public static let busy = NetlinkError(netlink: NLE_BUSY)
    /// The kernel does not support the operation. The corresponding C error is `NLE_OPNOTSUPP`.
    public static let operationNotSupported = NetlinkError(netlink: NLE_OPNOTSUPP)
    /// A message could not be parsed. The corresponding C error is `NLE_PARSE_ERR`.
    public static let parseError = NetlinkError(netlink: NLE_PARSE_ERR)
    /// Reply sequence numbers did not match the request. The corresponding C error is `NLE_SEQ_MISMATCH`.
    public static let sequenceMismatch = NetlinkError(netlink: NLE_SEQ_MISMATCH)
    /// Unspecific failure. The corresponding C error is `NLE_FAILURE`.
    public static let failure = NetlinkError(netlink: NLE_FAILURE)

    // MARK: - System (errno) errors

    /// The receive buffer of an event socket overran: events were lost and the caller must dump again.
    /// The corresponding C error is `ENOBUFS`.
    public static let receiveBufferOverrun = NetlinkError(errno: Errno.noBufferSpace.rawValue)
    /// A path (for example a network namespace file) does not exist. The corresponding C error is `ENOENT`.
    public static let noSuchFile = NetlinkError(errno: Errno.noSuchFile.rawValue)
    /// The file is not a network namespace, or the argument is invalid. The corresponding C error is
    /// `EINVAL`.
    public static let invalidSystemArgument = NetlinkError(errno: Errno.invalidArgument.rawValue)
    /// The process may not enter the namespace. The corresponding C error is `EPERM`.
    public static let operationNotPermitted = NetlinkError(errno: Errno.notPermitted.rawValue)

    private static let netlinkNames: [Int32: String] = [
        NLE_SUCCESS: "NLE_SUCCESS", NLE_FAILURE: "NLE_FAILURE", NLE_INTR: "NLE_INTR",
        NLE_BAD_SOCK: "NLE_BAD_SOCK", NLE_AGAIN: "NLE_AGAIN", NLE_NOMEM: "NLE_NOMEM", NLE_EXIST: "NLE_EXIST",
        NLE_INVAL: "NLE_INVAL", NLE_RANGE: "NLE_RANGE", NLE_MSGSIZE: "NLE_MSGSIZE",
        NLE_OPNOTSUPP: "NLE_OPNOTSUPP", NLE_AF_NOSUPPORT: "NLE_AF_NOSUPPORT",
        NLE_OBJ_NOTFOUND: "NLE_OBJ_NOTFOUND", NLE_NOATTR: "NLE_NOATTR", NLE_MISSING_ATTR: "NLE_MISSING_ATTR",
        NLE_AF_MISMATCH: "NLE_AF_MISMATCH", NLE_SEQ_MISMATCH: "NLE_SEQ_MISMATCH",
        NLE_MSG_OVERFLOW: "NLE_MSG_OVERFLOW", NLE_MSG_TRUNC: "NLE_MSG_TRUNC", NLE_NOADDR: "NLE_NOADDR",
        NLE_SRCRT_NOSUPPORT: "NLE_SRCRT_NOSUPPORT", NLE_MSG_TOOSHORT: "NLE_MSG_TOOSHORT",
        NLE_MSGTYPE_NOSUPPORT: "NLE_MSGTYPE_NOSUPPORT", NLE_OBJ_MISMATCH: "NLE_OBJ_MISMATCH",
        NLE_NOCACHE: "NLE_NOCACHE", NLE_BUSY: "NLE_BUSY", NLE_PROTO_MISMATCH: "NLE_PROTO_MISMATCH",
        NLE_NOACCESS: "NLE_NOACCESS", NLE_PERM: "NLE_PERM", NLE_PKTLOC_FILE: "NLE_PKTLOC_FILE",
        NLE_PARSE_ERR: "NLE_PARSE_ERR", NLE_NODEV: "NLE_NODEV", NLE_IMMUTABLE: "NLE_IMMUTABLE",
        NLE_DUMP_INTR: "NLE_DUMP_INTR", NLE_ATTRSIZE: "NLE_ATTRSIZE",
    ]

}

extension NetlinkError {
    /// Converts a libnl return value: negative values are `-NLE_*` codes.
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(NetlinkError) {
        if result < 0 { throw NetlinkError(netlink: result, operation: operation()) }
    }

    /// The current `errno` as an error.
    static func lastSystemError(_ operation: String) -> NetlinkError {
        NetlinkError(errno: Errno.current.rawValue, operation: operation)
    }
}
