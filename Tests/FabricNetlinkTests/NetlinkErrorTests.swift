// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import Testing

@Suite("NetlinkError")
struct NetlinkErrorTests {
    @Test("netlink and errno code spaces stay apart even for equal numbers")
    func codeSpacesAreSeparate() {
        // NLE_NOMEM is 5 and EIO is 5.
        let netlink = NetlinkError(netlink: 5)
        let system = NetlinkError(errno: 5)
        #expect(netlink != system)
        #expect(netlink == .noMemory)
        #expect(Set([netlink, system]).count == 2)
    }

    @Test("libnl's negative return values are accepted and normalised")
    func negativeCodes() {
        #expect(NetlinkError(netlink: -31) == .noDevice)
        #expect(NetlinkError(netlink: -31).code == 31)
    }

    @Test("the operation is context only: it does not change equality or hashing")
    func operationIsContext() {
        let error = NetlinkError.noDevice.during("set master of tap0 to br0")
        #expect(error == .noDevice)
        #expect(error.hashValue == NetlinkError.noDevice.hashValue)
        #expect(error.operation == "set master of tap0 to br0")
    }

    @Test(
        "descriptions name the code, the library message and the operation",
        arguments: [
            (NetlinkError.noDevice.during("look up link x"), ["look up link x", "NLE_NODEV", "31", "No such device"]),
            (NetlinkError.dumpInterrupted, ["netlink error", "NLE_DUMP_INTR"]),
            (NetlinkError.permissionDenied, ["NLE_PERM"]),
            (NetlinkError.noSuchFile.during("open /run/netns/x"), ["/run/netns/x", "system error", "ENOENT",
                                                                  "No such file or directory"]),
            (NetlinkError.receiveBufferOverrun, ["ENOBUFS", "No buffer space available"]),
        ])
    func descriptions(error: NetlinkError, fragments: [String]) {
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\(error.description) lacks \(fragment)")
        }
    }

    @Test("unknown codes still produce a message")
    func unknownCodes() {
        #expect(NetlinkError(netlink: 999).symbolicName == "NLE_999")
        #expect(NetlinkError(errno: 4242).description.contains("4242"))
    }
}
