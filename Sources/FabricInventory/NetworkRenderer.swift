// SPDX-License-Identifier: Apache-2.0
internal import FabricOVSDB

/// The networks as a terminal shows them: one line per network (`fabric-agent show --networks`), or one
/// network's characteristics (`fabric-agent network NAME`).
public enum NetworkRenderer {
    public static let headers = [
        "Network", "Fabric", "VLAN", "Device", "Bridged", "MTU", "Switch", "IPv4", "IPv6", "Default route", "Interfaces",
    ]

    public static func render(_ networks: HostNetworks) -> String {
        let rows = networks.networks.map { network -> [String] in
            let vdsm = network.vdsm
            return [
                network.name, network.fabric.displayName, network.vlan.map(String.init) ?? "-",
                vdsm?.baseDevice ?? "-", vdsm.map { $0.bridged ? "yes" : "no" } ?? "-",
                vdsm?.mtu.map(String.init) ?? "-", vdsm?.switchType ?? "-", vdsm.map(ipv4) ?? "-",
                vdsm.map(ipv6) ?? "-", vdsm.map { $0.defaultRoute ? "yes" : "no" } ?? "-",
                network.interfaces.isEmpty ? "-" : network.interfaces.map(\.name).joined(separator: ","),
            ]
        }
        var notes: [String] = []
        if rows.isEmpty { notes.append("this host carries no VDSM network and no provider network fabric knows of.") }
        notes.append("provides: " + provides(networks.provides))
        if let unknown = networks.provides.unknown { notes.append(unknown + ".") }
        if let ovn = networks.ovn { notes.append("ovn: " + ovnSummary(ovn)) }
        return (TextColumns.lines(header: headers, rows: rows) + notes.map { "note: " + $0 }).joined(separator: "\n") + "\n"
    }

    /// `physical networks physnet1 (Open vSwitch br-phys), …; overlays geneve, vxlan; tunnel endpoint 192.0.2.5`.
    static func provides(_ reach: ProviderReach) -> String {
        let physical = reach.physicalNetworks.map { "\($0.name) (\($0.via.displayName) \($0.device))" }
        var parts = ["physical networks " + (physical.isEmpty ? "none" : physical.joined(separator: ", "))]
        parts.append("overlays " + (reach.overlayTypes.isEmpty ? "none" : reach.overlayTypes.joined(separator: ", ")))
        if let ip = reach.tunnelIP { parts.append("tunnel endpoint " + ip) }
        return parts.joined(separator: "; ")
    }

    /// `chassis c1, ovn-controller connected, southbound unix:/run/ovn/ovnsb_db.sock, 2 tunnels`.
    static func ovnSummary(_ ovn: OVNHostView) -> String {
        var parts = ["chassis " + (ovn.chassis ?? "unset")]
        if let controller = ovn.controller {
            let state = !controller.running ? "not running"
                : controller.connected.map { $0 ? "connected" : "not connected" } ?? "status unknown"
            parts.append("ovn-controller " + state)
        }
        parts.append("southbound " + (ovn.southboundUnknown ?? ovn.southboundRemote ?? "unset"))
        let tunnels = ovn.tunnels.map { "\($0.peerChassis ?? "?") via \($0.remoteIP ?? "?") (\($0.linkState ?? "?"))" }
        parts.append("tunnels " + (tunnels.isEmpty ? "none" : tunnels.joined(separator: ", ")))
        return parts.joined(separator: "; ")
    }

    /// One network, as `key: value` lines, then the carrying interfaces; for an OVN network, also its logical
    /// switch and this chassis' state from `ovn`.
    public static func render(_ network: HostNetwork, ovn: OVNHostView? = nil) -> String {
        var lines: [(String, String)] = [("Network", network.name), ("Fabric", network.fabric.displayName)]
        lines.append(("VLAN", network.vlan.map(String.init) ?? "none"))
        if let vdsm = network.vdsm {
            lines.append(("Device", vdsm.baseDevice ?? "none"))
            lines.append(("Bridged", vdsm.bridged ? "yes" : "no"))
            lines.append(("MTU", vdsm.mtu.map(String.init) ?? "default"))
            lines.append(("Switch", vdsm.switchType))
            lines.append(("IPv4", ipv4(vdsm)))
            if let gateway = vdsm.ipv4.gateway { lines.append(("IPv4 gateway", gateway)) }
            lines.append(("IPv6", ipv6(vdsm)))
            if let gateway = vdsm.ipv6.gateway { lines.append(("IPv6 gateway", gateway)) }
            lines.append(("Default route", vdsm.defaultRoute ? "yes" : "no"))
            if !vdsm.nameservers.isEmpty { lines.append(("Name servers", vdsm.nameservers.joined(separator: ", "))) }
            if let qos = vdsm.hostQoS {
                let parts = [("link share", qos.linkShare), ("upper limit", qos.upperLimit), ("real time", qos.realTime)]
                    .compactMap { name, value in value.map { "\(name) \($0)" } }
                lines.append(("Host QoS (out)", parts.joined(separator: ", ")))
            }
        }
        if let segment = network.segment {
            lines.append(("Network type", segment.networkType ?? "unknown"))
            if let id = segment.segmentationID {
                lines.append((segment.isOverlay ? "Tunnel key (VNI)" : "Segmentation id", String(id)))
            }
            if let physnet = segment.physicalNetwork {
                lines.append(("Physical network", physnet + (segment.bridge.map { " (bridge \($0))" } ?? "")))
            }
            if let local = segment.localVLAN { lines.append(("Local VLAN", String(local))) }
            lines.append(("Neutron network", segment.networkID))
        }
        for member in network.interfaces {
            guard let vxlan = member.vxlan else { continue }
            lines.append(("VXLAN \(member.name)", vxlanText(vxlan)))
        }
        if network.fabric == .ovn, let ovn {
            let switches = Set(ovn.vnics.filter { $0.networkName == network.name }.compactMap(\.logicalSwitch))
            if !switches.isEmpty { lines.append(("Logical switch", switches.sorted().joined(separator: ", "))) }
            lines.append(("OVN", ovnSummary(ovn)))
        }
        let width = lines.map(\.0.count).max() ?? 0
        var out = lines.map { key, value in key + ":" + String(repeating: " ", count: width - key.count + 1) + value }
        if let tunnels = network.tunnels {
            out.append("")
            if tunnels.isEmpty {
                out.append("No tunnel of this type to another host.")
            } else {
                out += TextColumns.lines(
                    header: ["Tunnel", "Bridge", "Type", "Local IP", "Remote IP", "Key", "Link", "BFD"],
                    rows: tunnels.map(tunnelCells))
            }
        }
        out.append("")
        if network.interfaces.isEmpty {
            out.append("No device of this host carries it.")
        } else {
            let rows = network.interfaces.map { member in
                [member.name, member.kind.rawValue, member.ovsBridge ?? "-", member.vlan.map(String.init) ?? "-",
                 member.vmID ?? "-", member.reason]
            }
            out += TextColumns.lines(header: ["Interface", "Kind", "OVS bridge", "VLAN", "VM", "Why"], rows: rows)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// `VNI 1001, group 239.1.1.1, local 192.0.2.11, port 8472, device eth1`.
    static func vxlanText(_ vxlan: HostInterface.VXLAN) -> String {
        var parts = ["VNI \(vxlan.vni)"]
        if let group = vxlan.group { parts.append("group " + group) }
        if let remote = vxlan.remote { parts.append("remote " + remote) }
        if let local = vxlan.local { parts.append("local " + local) }
        if let port = vxlan.port { parts.append("port \(port)") }
        if let device = vxlan.device { parts.append("device " + device) }
        return parts.joined(separator: ", ")
    }

    static func tunnelCells(_ tunnel: OVSTunnel) -> [String] {
        [tunnel.interface, tunnel.bridge, tunnel.type, tunnel.localIP ?? "-", tunnel.remoteIP ?? "-", tunnel.key ?? "-",
         tunnel.linkState ?? "-", tunnel.bfdState ?? "off"]
    }

    static func ipv4(_ network: VDSMNetwork) -> String {
        let ip = network.ipv4
        if ip.bootProtocol == "dhcp" { return "dhcp" }
        guard let address = ip.address else { return "none" }
        if let prefix = ip.prefix { return "\(address)/\(prefix)" }
        if let netmask = ip.netmask, let prefix = prefixLength(netmask) { return "\(address)/\(prefix)" }
        return address
    }

    static func ipv6(_ network: VDSMNetwork) -> String {
        var parts = network.ipv6.addresses
        if network.ipv6.dhcp == true { parts.append("dhcpv6") }
        if network.ipv6.autoconf == true { parts.append("autoconf") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    /// `255.255.255.0` → 24; `nil` for a mask that is not contiguous.
    static func prefixLength(_ netmask: String) -> Int? {
        let octets = netmask.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        let bits = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let ones = (~bits).leadingZeroBitCount
        return bits << ones == 0 ? ones : nil
    }
}
