// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import Foundation
import Testing

@Suite struct LinkKindTests {
    @Test(arguments: ["bond", "bridge", "vlan", "veth", "tun", "openvswitch", "macvlan", "macvtap", "vxlan", "dummy"])
    func namedKindsKeepTheKernelsWord(text: String) {
        let kind = LinkKind(rawValue: text)
        #expect(kind.rawValue == text)
        if case .other = kind { Issue.record("\(text) should be a named kind") }
    }

    @Test func otherKindsKeepTheirTextAndEncodeAsPlainStrings() throws {
        #expect(LinkKind(rawValue: "geneve") == .other("geneve"))
        #expect(LinkKind(rawValue: "Bond") == .other("Bond"), "the kernel's kinds are lower case; no folding")
        let link = Link(index: 3, name: "gnv0", kind: "geneve", slaveKind: .openvswitch)
        let json = String(decoding: try JSONEncoder().encode(link), as: UTF8.self)
        #expect(json.contains(#""kind":"geneve""#) && json.contains(#""slaveKind":"openvswitch""#))
        #expect(try JSONDecoder().decode(Link.self, from: Data(json.utf8)) == link)
    }
}
