// SPDX-License-Identifier: Apache-2.0
import FabricInventory
import FabricNetlink
import FabricOVSDB
import Testing

/// The OVN view from a switch run by ovn-controller, the southbound database and ovn-controller's status.
@Suite struct OVNViewTests {
    typealias S = SwitchState

    static let switchState = SwitchState(
        externalIDs: [
            "system-id": "chassis-a", "ovn-remote": "unix:/run/ovn/ovnsb_db.sock", "ovn-encap-type": "geneve",
            "ovn-encap-ip": "172.31.0.1", "ovn-bridge-mappings": "physnet1:br-phys",
        ],
        bridges: [
            S.Bridge(uuid: "b1", name: "br-int", datapathType: "netdev", ports: [
                S.Port(uuid: "p1", name: "ovn-chassi-0", externalIDs: ["ovn-chassis-id": "chassis-b@172.31.0.2%172.31.0.1"],
                       interfaces: [S.Interface(uuid: "i1", name: "ovn-chassi-0", type: "geneve",
                                                options: ["remote_ip": "172.31.0.2", "csum": "true"],
                                                linkState: "up", bfdStatus: ["state": "up"])]),
                S.Port(uuid: "p2", name: "vnet0", interfaces: [
                    S.Interface(uuid: "i2", name: "vnet0", externalIDs: ["iface-id": "port1", "vm-id": "vm1"]),
                ]),
                S.Port(uuid: "p3", name: "vnet1", interfaces: [
                    S.Interface(uuid: "i3", name: "vnet1", externalIDs: ["iface-id": "port-gone"]),
                ]),
            ]),
        ])

    static let southbound = OVNSouthbound(
        chassis: [OVNSouthbound.Chassis(name: "chassis-b", hostname: "host-b", encaps: [])],
        portBindings: [
            "port1": OVNSouthbound.PortBinding(
                logicalPort: "port1", chassis: "chassis-a",
                datapath: OVNSouthbound.Datapath(uuid: "d1", externalIDs: ["logical-switch": "x", "name": "net-blue"])),
        ])

    static let connected = OVNControllerStatus(running: true, pid: 42, connected: true)

    @Test func viewFromEverySource() throws {
        let observation = OVNObservation(southbound: Self.southbound, controller: Self.connected)
        let view = try #require(OVNHostView(switchState: Self.switchState, observation: observation))
        #expect(view.chassis == "chassis-a")
        #expect(view.encaps == [OVNSouthbound.Encap(type: "geneve", ip: "172.31.0.1")])
        #expect(view.controller?.connected == true)
        #expect(view.southboundUnknown == nil)
        let tunnel = try #require(view.tunnels.first)
        #expect(view.tunnels.count == 1)
        #expect(tunnel.peerChassis == "chassis-b")
        #expect(tunnel.peerHostname == "host-b")
        #expect(tunnel.remoteIP == "172.31.0.2")
        #expect(tunnel.linkState == "up")
        #expect(tunnel.bfdState == "up")
        #expect(view.vnics.map(\.interface) == ["vnet0", "vnet1"])
        #expect(view.vnics[0].logicalSwitch == "net-blue")
        #expect(view.vnics[0].networkName == "net-blue")
        #expect(view.vnics[0].boundChassis == "chassis-a")
        #expect(view.vnics[1].networkName == nil)
        #expect(view.vnics[1].unknown?.contains("no logical port port-gone") == true)
        #expect(view.networkNameByPortID == ["port1": "net-blue"])
    }

    @Test func anUnreadableSouthboundIsSaidNotGuessed() throws {
        let observation = OVNObservation(
            southbound: nil, southboundError: "connection refused", controller: OVNControllerStatus(running: false))
        let view = try #require(OVNHostView(switchState: Self.switchState, observation: observation))
        #expect(view.southboundUnknown?.contains("connection refused") == true)
        #expect(view.vnics.allSatisfy { $0.logicalSwitch == nil && $0.networkName == nil && $0.unknown != nil })
        #expect(view.networkNameByPortID.isEmpty)
        // Tunnels come from the switch alone.
        #expect(view.tunnels.first?.peerChassis == "chassis-b")
    }

    @Test func switchFactsAreTheSwitchsExternalIDsAndEveryNonEmptyIfaceIDSorted() {
        var state = Self.switchState
        state.bridges[0].ports.append(
            S.Port(uuid: "p4", name: "vnet2", interfaces: [S.Interface(uuid: "i4", name: "vnet2", externalIDs: ["iface-id": ""])]))
        state.bridges.append(S.Bridge(uuid: "b2", name: "br-x", ports: [
            S.Port(uuid: "p5", name: "vnet3", interfaces: [S.Interface(uuid: "i5", name: "vnet3", externalIDs: ["iface-id": "a-port"])]),
        ]))
        let facts = OVNSwitchFacts(state)
        #expect(facts.externalIDs["ovn-remote"] == "unix:/run/ovn/ovnsb_db.sock")
        #expect(facts.ifaceIDs == ["a-port", "port-gone", "port1"])
    }

    @Test func aSwitchThatCouldNotBeReadIsSaidAndNoSouthboundIsTried() {
        var observer = OVNObserver(
            switchEndpoint: OVSDBEndpoint(socketPath: "/nonexistent/db.sock"), runDirectory: "/nonexistent")
        let observation = observer.observe(switch: .failure(OVSDBError(kind: .unreachable, description: "gone away")))
        #expect(observation.southbound == nil)
        #expect(observation.southboundRemote == nil)
        #expect(observation.southboundError == "the Open vSwitch database could not be read: gone away")
        #expect(observation.controller.running == false)
        let unset = observer.observe(switch: .success(OVNSwitchFacts(externalIDs: [:], ifaceIDs: ["p"])))
        #expect(unset.southboundError == "external_ids:ovn-remote is not set")
    }

    @Test func noViewWithoutOVN() {
        #expect(OVNHostView(switchState: SwitchState(bridges: Self.switchState.bridges), observation: nil) == nil)
    }

    @Test func theClassifierNamesOVNvNICsByTheirLogicalNetwork() {
        let classifier = Classifier(
            vdsm: VDSMNetworkConfig(), neutron: NeutronAgentConfig(), switchState: Self.switchState,
            ovnNetworkByPortID: ["port1": "net-blue"])
        let classes = classifier.classify([
            Classifier.LinkFacts(name: "vnet0", kind: .tap), Classifier.LinkFacts(name: "vnet1", kind: .tap),
        ])
        #expect(classes[0].fabric == .ovn)
        #expect(classes[0].networkName == "net-blue")
        #expect(classes[1].fabric == .ovn)
        #expect(classes[1].networkName == nil)
    }
}

/// ovn-controller's health is part of the published model: a change makes a new version (an event on
/// `/v1/events`), the same reading again does not.
@Suite struct OVNModelPublicationTests {
    @Test func aHealthChangePublishesAndTheSameReadingDoesNot() throws {
        var model = HostTableModel(
            builder: HostTableBuilder(files: HostFiles(root: "/nonexistent-fabric-root")), ovsdbEndpoint: "unix:/x")
        let links = [Link(index: 2, name: "vnet0", flags: 0x1 | 0x40, operState: .up)]
        _ = model.linksChanged(HostTableBuilder.Sample(snapshot: NetlinkSnapshot(links: links, addresses: [])))
        _ = model.switchChanged(OVNViewTests.switchState, status: HostTable.OVSDBStatus(endpoint: "unix:/x", reachable: true))
        let connected = OVNObservation(southbound: OVNViewTests.southbound, controller: OVNViewTests.connected)
        #expect(model.ovnChanged(connected) != nil)
        #expect(model.table?.interfaces.first?.classification.networkName == "net-blue")
        #expect(model.ovnChanged(connected) == nil)
        var lost = connected
        lost.controller.connected = false
        #expect(model.ovnChanged(lost) != nil)
        #expect(model.networks?.ovn?.controller?.connected == false)
    }
}

@Suite struct OVNRendererTests {
    @Test func anOVNNetworkShowsItsLogicalSwitchAndTheChassisState() throws {
        let observation = OVNObservation(southbound: OVNViewTests.southbound, controller: OVNViewTests.connected)
        let ovn = try #require(OVNHostView(switchState: OVNViewTests.switchState, observation: observation))
        let text = NetworkRenderer.render(HostNetwork(name: "net-blue", fabric: .ovn), ovn: ovn)
        #expect(text.contains("Logical switch: net-blue"))
        #expect(text.contains("chassis chassis-a; ovn-controller connected; southbound unix:/run/ovn/ovnsb_db.sock"))
        #expect(text.contains("tunnels chassis-b via 172.31.0.2 (up)"))
        let other = NetworkRenderer.render(HostNetwork(name: "red", fabric: .vdsm), ovn: ovn)
        #expect(!other.contains("Logical switch"))
    }
}
