// SPDX-License-Identifier: Apache-2.0
@_spi(Fuzzing) import FabricNetlink
import Testing

/// Defects the libFuzzer target `fuzz-netlink` found (docs/RELIABILITY.md, "Fuzzing"); each input is also in
/// `Fuzz/corpus/netlink/`, so every fuzzing run starts by replaying it.
@Suite struct NetlinkFuzzFindingsTests {
    /// An `RTM_NEWLINK` of kind `vlan` without `IFLA_INFO_DATA` made libnl's VLAN getter read a NULL pointer.
    @Test func vlanLinkWithoutInfoDataHasNoVLANID() throws {
        let link = try #require(onlyLink(in: newLink(linkInfos: [kind("vlan")])))
        #expect(link.kind == .vlan)
        #expect(link.vlanID == nil)
    }

    static let linkInfos: [(linkInfos: [[UInt8]], expected: UInt16?)] = {
        let vlan: [UInt8] = kind("vlan")
        let ten: [UInt8] = vlan + data(vlanID: 10)
        let seven: [UInt8] = vlan + data(vlanID: 7)
        return [([ten], 10), ([ten, vlan], nil), ([vlan, seven], 7)]
    }()

    /// The id is read where libnl reads the kind: from the last `IFLA_LINKINFO`.
    @Test(arguments: linkInfos)
    func vlanIDComesFromTheLastLinkInfo(linkInfos: [[UInt8]], expected: UInt16?) throws {
        let link = try #require(onlyLink(in: newLink(linkInfos: linkInfos)))
        #expect(link.vlanID == expected)
    }

    /// A `tun` kind without its NUL, last in the message: the raw read of the kind ran past the message.
    @Test func kindWithoutItsNULIsReadWithinTheAttribute() {
        let unterminated = attribute(1, Array("tun".utf8))  // IFLA_INFO_KIND
        _ = NetlinkFuzzing.events(inDatagram: newLink(linkInfos: [unterminated]))
    }

    /// libnl's policy does not check `IFLA_INFO_SLAVE_KIND`, and libnl copied it with `strdup` past the message.
    @Test func unterminatedSlaveKindSkipsTheMessage() {
        let slaveKind = attribute(4, Array("bond".utf8))  // IFLA_INFO_SLAVE_KIND
        #expect(onlyLink(in: newLink(linkInfos: [slaveKind])) == nil)
        #expect(onlyLink(in: newLink(linkInfos: [attribute(4, Array("bond".utf8) + [0])]))?.slaveKind == .bond)
    }

    /// With `IFLA_INFO_XSTATS` and no `IFLA_INFO_DATA`, libnl handed `vlan`'s parser a NULL attribute.
    @Test func statisticsWithoutDataSkipTheMessage() {
        let xstats = kind("vlan") + attribute(3, [0, 0, 0, 0])  // IFLA_INFO_XSTATS
        #expect(onlyLink(in: newLink(linkInfos: [xstats])) == nil)
        #expect(onlyLink(in: newLink(linkInfos: [xstats + data(vlanID: 3)]))?.vlanID == 3)
    }

    @Test func tapModeIsStillRead() throws {
        let tap: [UInt8] = kind("tun") + attribute(2, attribute(3, [2]))  // IFLA_INFO_DATA { IFLA_TUN_TYPE: IFF_TAP }
        let link = try #require(onlyLink(in: newLink(linkInfos: [tap])))
        #expect(link.tunMode == "tap")
    }

    func onlyLink(in datagram: [UInt8]) -> Link? {
        let events = NetlinkFuzzing.events(inDatagram: datagram).events
        guard events.count == 1, case .linkChanged(let link) = events[0] else { return nil }
        return link
    }
}

/// One netlink attribute, padded to 4 bytes.
private func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
    let length = UInt16(4 + payload.count)
    let bytes = withUnsafeBytes(of: length.littleEndian, Array.init) + withUnsafeBytes(of: type.littleEndian, Array.init)
    return bytes + payload + [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
}

private func kind(_ name: String) -> [UInt8] { attribute(1, Array(name.utf8) + [0]) }  // IFLA_INFO_KIND

private func data(vlanID: UInt16) -> [UInt8] {  // IFLA_INFO_DATA { IFLA_VLAN_ID }
    attribute(2, attribute(1, withUnsafeBytes(of: vlanID.littleEndian, Array.init)))
}

/// `RTM_NEWLINK` for ifindex 9, `eth0.10`, with one `IFLA_LINKINFO` per element of `linkInfos`.
private func newLink(linkInfos: [[UInt8]]) -> [UInt8] {
    // ifinfomsg: family AF_UNSPEC, type ARPHRD_ETHER, index 9, flags IFF_UP | IFF_RUNNING | IFF_MULTICAST.
    var body: [UInt8] = [0, 0, 1, 0, 9, 0, 0, 0, 0x43, 0x10, 0, 0, 0, 0, 0, 0]
    body += attribute(3, Array("eth0.10".utf8) + [0])  // IFLA_IFNAME
    for info in linkInfos { body += attribute(18, info) }  // IFLA_LINKINFO
    let length = UInt32(16 + body.count)
    let header = withUnsafeBytes(of: length.littleEndian, Array.init) + [16, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
    return header + body  // RTM_NEWLINK = 16
}
