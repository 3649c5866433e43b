// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// Decides Fabric and Network Name for every interface (docs/classification.md). The first rule that
/// matches wins: VDSM's own networks, then Open vSwitch / OVN, then the Linux bridge agent; anything
/// else is unclassified and says why.
public struct Classifier: Sendable {
    /// What the classifier needs to know about one link.
    public struct LinkFacts: Sendable, Hashable {
        public var name: String
        public var kind: InterfaceKind
        public var master: String?
        public var parent: String?

        public init(name: String, kind: InterfaceKind, master: String? = nil, parent: String? = nil) {
            self.name = name
            self.kind = kind
            self.master = master
            self.parent = parent
        }
    }

    public var vdsm: VDSMNetworkConfig
    public var neutron: NeutronAgentConfig
    /// `nil` when the OVS database could not be read: OVS membership is then unknown.
    public var switchState: SwitchState?
    /// The OVN network of each logical port (`iface-id`) the southbound database knows.
    public var ovnNetworkByPortID: [String: String]

    private let vdsmNetworksByDevice: [String: [String]]
    private let ovsMembers: [String: (bridge: SwitchState.Bridge, port: SwitchState.Port, interface: SwitchState.Interface)]
    private let ovsBridgesByName: [String: SwitchState.Bridge]
    private let providerBridges: Set<String>
    private let physnetByOVSBridge: [String: String]
    private let physnetByLinuxBridgeDevice: [String: String]
    private let physnetByLinuxBridge: [String: String]

    public init(
        vdsm: VDSMNetworkConfig, neutron: NeutronAgentConfig, switchState: SwitchState?,
        ovnNetworkByPortID: [String: String] = [:]
    ) {
        self.vdsm = vdsm
        self.ovnNetworkByPortID = ovnNetworkByPortID
        self.neutron = neutron
        self.switchState = switchState

        var byDevice: [String: [String]] = [:]
        let bondSlaves = Dictionary(vdsm.bonds.map { ($0.name, $0.nics) }, uniquingKeysWith: { first, _ in first })
        for network in vdsm.networks {
            var devices = network.devices
            if let bond = network.bonding { devices += bondSlaves[bond] ?? [] }
            for device in Set(devices) { byDevice[device, default: []].append(network.name) }
        }
        vdsmNetworksByDevice = byDevice.mapValues { $0.sorted() }

        var members: [String: (SwitchState.Bridge, SwitchState.Port, SwitchState.Interface)] = [:]
        var bridges: [String: SwitchState.Bridge] = [:]
        for bridge in switchState?.bridges ?? [] {
            bridges[bridge.name] = bridge
            for port in bridge.ports {
                for interface in port.interfaces { members[interface.name] = (bridge, port, interface) }
            }
        }
        ovsMembers = members.mapValues { (bridge: $0.0, port: $0.1, interface: $0.2) }
        ovsBridgesByName = bridges

        // ovn-controller reads its physical networks from Open_vSwitch external_ids:ovn-bridge-mappings.
        var ovsMappings = neutron.ovsBridgeMappings
        var ignored: [String] = []
        let ovnMappings = NeutronAgentConfig.parseMappings(
            switchState?.externalIDs["ovn-bridge-mappings"], file: "ovn-bridge-mappings", warnings: &ignored)
        ovsMappings.merge(ovnMappings) { neutronValue, _ in neutronValue }
        physnetByOVSBridge = Dictionary(ovsMappings.map { ($0.value, $0.key) }, uniquingKeysWith: { a, b in min(a, b) })
        providerBridges = Set([neutron.integrationBridge, neutron.tunnelBridge]).union(physnetByOVSBridge.keys)
        physnetByLinuxBridgeDevice = Dictionary(
            neutron.linuxBridgeInterfaceMappings.map { ($0.value, $0.key) }, uniquingKeysWith: { a, b in min(a, b) })
        physnetByLinuxBridge = Dictionary(
            neutron.linuxBridgeBridgeMappings.map { ($0.value, $0.key) }, uniquingKeysWith: { a, b in min(a, b) })
    }

    /// The OVS database's view of a link, if it is an OVS interface.
    public func ovsMembership(of name: String) -> HostInterface.OVSMembership? {
        guard let member = ovsMembers[name] else { return nil }
        return HostInterface.OVSMembership(
            bridge: member.bridge.name, port: member.port.name, interfaceType: member.interface.type,
            ofport: member.interface.ofport, tag: member.port.tag, externalIDs: member.interface.externalIDs,
            portOtherConfig: member.port.otherConfig)
    }

    /// Whether OVSDB lists this link as an internal port (bridges and internal ports of the userspace
    /// datapath are plain `tun` devices to the kernel).
    public func isOVSInternal(_ name: String) -> Bool {
        ovsMembers[name]?.interface.type == "internal"
    }

    /// Every link's facts, indexed once per table for the rules that look at masters and ports.
    public struct LinkIndex: Sendable {
        let byName: [String: LinkFacts]
        let portsByMaster: [String: [LinkFacts]]

        public init(_ links: [LinkFacts]) {
            var byName: [String: LinkFacts] = [:]
            byName.reserveCapacity(links.count)
            var portsByMaster: [String: [LinkFacts]] = [:]
            for link in links {
                if byName[link.name] == nil { byName[link.name] = link }
                if let master = link.master { portsByMaster[master, default: []].append(link) }
            }
            self.byName = byName
            self.portsByMaster = portsByMaster
        }

        subscript(name: String) -> LinkFacts? { byName[name] }
    }

    /// Classifies every link.
    public func classify(_ links: [LinkFacts]) -> [Classification] {
        let index = LinkIndex(links)
        return links.map { classify($0, links: index) }
    }

    /// Classifies one link; `links` indexes all of them.
    public func classify(_ link: LinkFacts, links: LinkIndex) -> Classification {
        if let vdsm = vdsmRule(link, links: links) { return vdsm }
        if let ovs = ovsRule(link) { return ovs }
        if let linuxBridge = linuxBridgeRule(link, links: links) { return linuxBridge }
        if switchState == nil, link.kind == .ovsInternal || link.kind == .ovsSystem || isOVSSlave(link, links) {
            return .unclassified("Open vSwitch device, but the OVS database is not reachable: membership unknown")
        }
        return .unclassified("no VDSM network, OVS provider port or Linux bridge agent device")
    }

    // MARK: VDSM

    private func vdsmRule(_ link: LinkFacts, links: LinkIndex) -> Classification? {
        if link.name == ";vdsmdummy;" {
            return Classification(fabric: .vdsm, reason: "VDSM's placeholder bridge for vNICs without a host network")
        }
        if let networks = vdsmNetworksByDevice[link.name] {
            let joined = networks.joined(separator: ", ")
            return Classification(fabric: .vdsm, networkName: joined, reason: "carries VDSM network \(joined)")
        }
        // A bond slave VDSM's bond file does not list, or a VM tap on a VDSM bridge.
        if let master = link.master, let networks = vdsmNetworksByDevice[master] {
            let joined = networks.joined(separator: ", ")
            return Classification(fabric: .vdsm, networkName: joined, reason: "port of \(master), which carries VDSM network \(joined)")
        }
        return nil
    }

    // MARK: Open vSwitch / OVN

    private var switchFabric: Fabric {
        switchState?.isControlledByOVN == true ? .ovn : .openVSwitch
    }

    private func ovsRule(_ link: LinkFacts) -> Classification? {
        guard let state = switchState else { return nil }
        if link.kind == .ovsSystem || (link.name == "ovs-netdev" && ovsMembers[link.name] == nil) {
            let hasProviderBridge = state.bridges.contains { providerBridges.contains($0.name) }
            return hasProviderBridge
                ? Classification(fabric: switchFabric, reason: "Open vSwitch datapath of the provider's bridges")
                : nil
        }
        guard let member = ovsMembers[link.name] else { return nil }
        let bridge = member.bridge.name
        let externalIDs = member.interface.externalIDs
        if let ifaceID = externalIDs["iface-id"], !ifaceID.isEmpty {
            if let network = ovnNetworkByPortID[ifaceID] {
                return Classification(
                    fabric: switchFabric, networkName: network,
                    reason: "OVN vNIC port \(ifaceID) on OVS bridge \(bridge), logical network \(network)")
            }
            let network = member.port.otherConfig["net_uuid"].flatMap { $0.isEmpty ? nil : $0 }
            return Classification(
                fabric: switchFabric, networkName: network,
                reason: "provider vNIC port \(ifaceID) on OVS bridge \(bridge)")
        }
        guard providerBridges.contains(bridge) else {
            return .unclassified("port of OVS bridge \(bridge), which no provider agent maps")
        }
        if let physnet = physnetByOVSBridge[bridge] {
            return Classification(fabric: switchFabric, networkName: physnet,
                                  reason: "port of OVS bridge \(bridge), mapped to physical network \(physnet)")
        }
        if member.interface.type == "patch", let peer = member.interface.options["peer"],
           let peerBridge = ovsMembers[peer]?.bridge.name, let physnet = physnetByOVSBridge[peerBridge] {
            return Classification(fabric: switchFabric, networkName: physnet,
                                  reason: "patch port of \(bridge) to \(peerBridge) (physical network \(physnet))")
        }
        let role = bridge == neutron.integrationBridge ? "integration" : "tunnel"
        return Classification(fabric: switchFabric, reason: "port of the provider's \(role) bridge \(bridge)")
    }

    private func isOVSSlave(_ link: LinkFacts, _ links: LinkIndex) -> Bool {
        guard let master = link.master else { return false }
        return links[master]?.kind == .ovsSystem
    }

    // MARK: Linux bridge agent

    private func linuxBridgeNetwork(ofBridge bridge: String, links: LinkIndex) -> (name: String?, why: String)? {
        if let physnet = physnetByLinuxBridge[bridge] {
            return (physnet, "Linux bridge \(bridge) mapped to physical network \(physnet)")
        }
        guard bridge.hasPrefix("brq"), bridge.count > 3 else { return nil }
        // A brq bridge carries one provider network; a port that is a mapped interface (or a VLAN on it)
        // names the physical network, otherwise only the 11-character network id prefix is known.
        for port in links.portsByMaster[bridge] ?? [] {
            if let physnet = physnetByLinuxBridgeDevice[port.name] ?? port.parent.flatMap({ physnetByLinuxBridgeDevice[$0] }) {
                return (physnet, "Linux bridge agent network bridge \(bridge) on physical network \(physnet)")
            }
        }
        let prefix = String(bridge.dropFirst(3))
        return ("network \(prefix)…", "Linux bridge agent network bridge \(bridge) (network id starts with \(prefix))")
    }

    private func linuxBridgeRule(_ link: LinkFacts, links: LinkIndex) -> Classification? {
        if link.kind == .bridge, let network = linuxBridgeNetwork(ofBridge: link.name, links: links) {
            return Classification(fabric: .linuxBridge, networkName: network.name, reason: network.why)
        }
        if let master = link.master, links[master]?.kind == .bridge,
           let network = linuxBridgeNetwork(ofBridge: master, links: links) {
            return Classification(fabric: .linuxBridge, networkName: network.name, reason: "port of \(master): \(network.why)")
        }
        if let physnet = physnetByLinuxBridgeDevice[link.name] {
            return Classification(fabric: .linuxBridge, networkName: physnet,
                                  reason: "Linux bridge agent interface of physical network \(physnet)")
        }
        if link.kind == .vxlan, link.name.hasPrefix("vxlan-") {
            return Classification(fabric: .linuxBridge, reason: "Linux bridge agent VXLAN device")
        }
        return nil
    }
}
