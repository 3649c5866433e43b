// SPDX-License-Identifier: Apache-2.0
import FabricNetlink
import FabricTestSupport
import Foundation
import Testing

/// Real vxlan devices as the Neutron Linux bridge agent makes them (multicast group, or unicast with l2population,
/// port 8472 by default), read from a dump and compared with what `ip -d -j link show` reports for each.
@Suite struct VXLANInfoTests {
    @Test(.enabled(if: NetworkNamespaceFixture.isSupported, "needs root and iproute2's ip to create network namespaces"))
    func vxlanDevicesHaveTheirVNIEndpointsAndPortAsIPReportsThem() throws {
        let namespace = try NetworkNamespaceFixture()
        defer { namespace.delete() }
        try namespace.ipBatch([
            "link add uplink type veth peer name uplink-peer",
            "addr add 192.0.2.11/24 dev uplink",
            "link add vxlan-1001 type vxlan id 1001 group 239.1.1.1 dev uplink local 192.0.2.11 dstport 8472",
            "link add vxlan-1002 type vxlan id 1002 remote 192.0.2.12 local 192.0.2.11 dstport 4789",
            "link add vxlan-16777215 type vxlan id 16777215 dstport 0 nolearning",
        ])
        let links = try NetlinkSocket(networkNamespace: namespace.path).snapshot().links
        let uplink = try #require(links.first { $0.name == "uplink" })
        let multicast = try #require(links.first { $0.name == "vxlan-1001" }?.vxlan)
        #expect(multicast == VXLANInfo(vni: 1001, group: "239.1.1.1", local: "192.0.2.11", port: 8472, lowerIndex: uplink.index))
        let unicast = try #require(links.first { $0.name == "vxlan-1002" }?.vxlan)
        #expect(unicast == VXLANInfo(vni: 1002, remote: "192.0.2.12", local: "192.0.2.11", port: 4789))
        let bare = try #require(links.first { $0.name == "vxlan-16777215" }?.vxlan)
        #expect(bare.vni == 16_777_215 && bare.group == nil && bare.remote == nil && bare.local == nil)
        #expect(links.filter { $0.kind != .vxlan }.allSatisfy { $0.vxlan == nil })

        // Field by field against iproute2's own reading of the same devices.
        let json = try namespace.ip("-d", "-j", "link", "show", "type", "vxlan")
        let reported = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(reported.count == 3)
        for device in reported {
            let name = try #require(device["ifname"] as? String)
            let data = try #require((device["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
            let info = try #require(links.first { $0.name == name }?.vxlan)
            #expect(data["id"] as? Int == Int(info.vni), "\(name)")
            #expect(data["group"] as? String == info.group, "\(name)")
            #expect(data["remote"] as? String == info.remote, "\(name)")
            #expect(data["local"] as? String == info.local, "\(name)")
            #expect((data["port"] as? Int).flatMap { $0 == 0 ? nil : UInt16($0) } == info.port, "\(name)")
        }
    }
}
