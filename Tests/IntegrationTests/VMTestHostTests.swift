// SPDX-License-Identifier: Apache-2.0
import FabricTestSupport
import Foundation
import Testing

/// Proves the VM test host gives the project what the machine's kernel cannot: bonds, VLANs,
/// dummies and the Open vSwitch kernel datapath, built by `scripts/vmhost/scenarios/bonds-vlans-ovs.sh`
/// with the host's own tools and checked here from the kernel's own dumps.
@Suite(
    "VM test host",
    .serialized,
    .enabled(if: VMTestHost.isAvailable, Comment(rawValue: VMTestHost.unavailableReason ?? "available"))
)
struct VMTestHostTests {
    @Test("the scenario ran to its end inside the Debian kernel")
    func scenarioCompleted() throws {
        let run = try Scenario.run()
        #expect(run.exitStatus == 0, "scenario failed; console:\n\(run.console.suffix(3_000))")
        #expect(run.fileExists("scenario-done"))
        #expect(run.console.contains("vmhost: job exit status 0"))
        // The trace shows every step, so a failing one can be found in CI logs.
        #expect(run.console.contains("ip link add bond1 type bond mode 802.3ad miimon 100"))
    }

    @Test(
        "bonds have the kind and mode they were created with",
        arguments: [("bond0", "active-backup", "1"), ("bond1", "802.3ad", "4")]
    )
    func bondMode(bond: String, mode: String, modeNumber: String) throws {
        let run = try Scenario.run()
        let link = try #require(try Scenario.links(run)[bond])
        #expect(link.linkinfo?.infoKind == "bond")
        #expect(link.linkinfo?.infoData?.mode == mode)
        #expect(link.linkinfo?.infoData?.miimon == 100)
        #expect(link.flags.contains("MASTER"))
        #expect(try run.text("sys-bonding/\(bond)/mode").trimmed == "\(mode) \(modeNumber)")
        #expect(try run.text("sys-bonding/\(bond)/miimon").trimmed == "100")
        #expect(try run.text("proc-net-bonding/\(bond)").contains("MII Polling Interval (ms): 100"))
    }

    @Test(
        "dummies are enslaved to their bond",
        arguments: [("dummy0", "bond0"), ("dummy1", "bond0"), ("dummy2", "bond1"), ("dummy3", "bond1")]
    )
    func slaveMaster(slave: String, bond: String) throws {
        let run = try Scenario.run()
        let link = try #require(try Scenario.links(run)[slave])
        #expect(link.linkinfo?.infoKind == "dummy")
        #expect(link.master == bond)
        #expect(link.linkinfo?.infoSlaveKind == "bond")
        #expect(link.flags.contains("SLAVE"))
        let sysfsSlaves = try run.text("sys-bonding/\(bond)/slaves").split(separator: " ").map(\.trimmed)
        #expect(sysfsSlaves.contains(slave))
    }

    @Test("the active-backup bond elected one of its slaves, and every view agrees")
    func activeSlave() throws {
        let run = try Scenario.run()
        let active = try run.text("sys-bonding/bond0/active_slave").trimmed
        #expect(["dummy0", "dummy1"].contains(active))
        let procfs = BondingProcFile(try run.text("proc-net-bonding/bond0"))
        #expect(procfs.currentlyActiveSlave == active)
        let links = try Scenario.links(run)
        #expect(links[active]?.linkinfo?.infoSlaveData?.state == "ACTIVE")
        let backup = active == "dummy0" ? "dummy1" : "dummy0"
        #expect(links[backup]?.linkinfo?.infoSlaveData?.state == "BACKUP")
        #expect(try run.text("sys-bonding/bond0/slaves").trimmed == "dummy0 dummy1")
        #expect(try run.text("sys-bonding/bond1/slaves").trimmed == "dummy2 dummy3")
    }

    @Test("/proc/net/bonding lists every slave with its permanent address", arguments: ["bond0", "bond1"])
    func permanentAddresses(bond: String) throws {
        let run = try Scenario.run()
        let procfs = BondingProcFile(try run.text("proc-net-bonding/\(bond)"))
        let sysfsSlaves = try run.text("sys-bonding/\(bond)/slaves").split(separator: " ").map(\.trimmed)
        #expect(procfs.slaves.map(\.name) == sysfsSlaves)
        let links = try Scenario.links(run)
        for slave in procfs.slaves {
            let permanent = try #require(slave.permanentAddress, "no Permanent HW addr for \(slave.name)")
            #expect(permanent.wholeMatch(of: /[0-9a-f]{2}(:[0-9a-f]{2}){5}/) != nil)
            // The kernel reports the same address over netlink (IFLA_BOND_SLAVE_PERM_HWADDR).
            #expect(links[slave.name]?.linkinfo?.infoSlaveData?.permHwaddr == permanent)
        }
        #expect(Set(procfs.slaves.compactMap(\.permanentAddress)).count == procfs.slaves.count)
    }

    @Test("VLAN 100 sits on bond0 and is a port of br100")
    func vlanUnderBridge() throws {
        let run = try Scenario.run()
        let links = try Scenario.links(run)
        let vlan = try #require(links["bond0.100"])
        #expect(vlan.linkinfo?.infoKind == "vlan")
        #expect(vlan.linkinfo?.infoData?.id == 100)
        #expect(vlan.linkinfo?.infoData?.vlanProtocol == "802.1Q")
        #expect(vlan.link == "bond0")
        #expect(vlan.master == "br100")
        #expect(vlan.linkinfo?.infoSlaveKind == "bridge")
        #expect(vlan.flags.contains("UP"))
        let bridge = try #require(links["br100"])
        #expect(bridge.linkinfo?.infoKind == "bridge")
        #expect(bridge.flags.contains("UP"))
        #expect(links.values.filter { $0.master == "br100" }.map(\.ifname) == ["bond0.100"])
    }

    @Test("the OVS bridge uses the kernel datapath: its port's master is ovs-system")
    func ovsKernelDatapath() throws {
        let run = try Scenario.run()
        let links = try Scenario.links(run)
        let port = try #require(links["dummy4"])
        #expect(port.master == "ovs-system")
        #expect(port.linkinfo?.infoSlaveKind == "openvswitch")
        #expect(links["ovs-system"]?.linkinfo?.infoKind == "openvswitch")
        #expect(links["br-k"]?.linkinfo?.infoKind == "openvswitch")
        let datapath = try run.text("ovs-dpctl.txt")
        #expect(datapath.contains("system@ovs-system"))
        #expect(datapath.contains(": dummy4"))
        let interfaces = try JSONDecoder().decode(OVSTable.self, from: try run.data("ovs-interfaces.json"))
        let nameColumn = try #require(interfaces.headings.firstIndex(of: "name"))
        let names = interfaces.data.compactMap { row -> String? in
            if case .string(let name) = row[nameColumn] { return name }
            return nil
        }
        #expect(Set(names) == ["br-k", "dummy4", "br-int", "tapvnic"])
    }

    @Test("ip -j addr show covers every link and lo has its loopback address")
    func addresses() throws {
        let run = try Scenario.run()
        let entries = try JSONDecoder().decode([AddressEntry].self, from: try run.data("addrs.json"))
        #expect(Set(entries.map(\.ifname)) == Set(try Scenario.links(run).keys))
        let loopback = try #require(entries.first { $0.ifname == "lo" })
        #expect(loopback.addrInfo.contains { $0.family == "inet" && $0.local == "127.0.0.1" })
    }

    @Test("a script's exit status, environment and result files come back from the guest")
    func runContract() throws {
        let run = try VMTestHost.run(
            script: """
                echo "$FABRIC_PROBE" >"$FABRIC_RESULTS/probe"
                uname -r >"$FABRIC_RESULTS/kernel"
                touch /etc/vmhost-write-probe 2>/dev/null && echo writable >"$FABRIC_RESULTS/root"
                exit 3
                """,
            environment: ["FABRIC_PROBE": "value with spaces"],
            timeoutSeconds: 180
        )
        #expect(run.exitStatus == 3)
        #expect(try run.text("probe") == "value with spaces\n")
        // The guest runs its own kernel, not the machine's.
        let built = try String(
            contentsOf: VMTestHost.cacheDirectory.appendingPathComponent("kernel-version"),
            encoding: .utf8
        )
        #expect(try run.text("kernel").trimmed == built.trimmed)
        // The host root is read-only in the guest.
        #expect(!run.fileExists("root"))
        #expect(run.console.contains("vmhost: job exit status 3"))
    }
}

@Suite("VM test host arguments")
struct VMTestHostArgumentTests {
    @Test("only FABRIC_* variables are accepted, since no others reach the guest")
    func environmentNames() {
        #expect(throws: VMTestHostError.environmentNotForwarded("PATH")) {
            try VMTestHost.run(script: "true", environment: ["PATH": "/bin"])
        }
    }
}

/// One run of the scenario shared by every test of the suite (each boot costs 15–40 s under TCG).
enum Scenario {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let shared: Result<VMRunResult, Failure> = {
        do {
            // The built agent runs in the guest too, so its table can be checked against the same dumps.
            let agent = BuiltProducts.path("fabric-agent").map { ["FABRIC_AGENT": $0] } ?? [:]
            return .success(try VMTestHost.run(
                scriptAt: VMTestHost.scenario(named: "bonds-vlans-ovs"), environment: agent))
        } catch {
            return .failure(Failure(description: String(describing: error)))
        }
    }()

    static func run() throws -> VMRunResult {
        try shared.get()
    }

    /// `ip -d -j link show` of the guest, by name.
    fileprivate static func links(_ run: VMRunResult) throws -> [String: IPLink] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let links = try decoder.decode([IPLink].self, from: try run.data("links.json"))
        return Dictionary(links.map { ($0.ifname, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// The parts of iproute2's JSON link dump the tests check.
private struct IPLink: Decodable {
    let ifname: String
    let flags: [String]
    let master: String?
    let link: String?
    let linkinfo: LinkInfo?

    struct LinkInfo: Decodable {
        let infoKind: String?
        let infoSlaveKind: String?
        let infoData: InfoData?
        let infoSlaveData: SlaveData?
    }

    /// Lenient: `info_data` differs per kind, and a field of another type just reads as nil.
    struct InfoData: Decodable {
        let mode: String?
        let miimon: Int?
        let id: Int?
        let vlanProtocol: String?

        private enum Keys: String, CodingKey {
            case mode, miimon, id
            case vlanProtocol = "protocol"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            mode = try? container.decodeIfPresent(String.self, forKey: .mode)
            miimon = try? container.decodeIfPresent(Int.self, forKey: .miimon)
            id = try? container.decodeIfPresent(Int.self, forKey: .id)
            vlanProtocol = try? container.decodeIfPresent(String.self, forKey: .vlanProtocol)
        }
    }

    struct SlaveData: Decodable {
        let state: String?
        let permHwaddr: String?
    }
}

private struct AddressEntry: Decodable {
    let ifname: String
    let addrInfo: [Address]

    struct Address: Decodable {
        let family: String?
        let local: String?
    }

    private enum CodingKeys: String, CodingKey {
        case ifname
        case addrInfo = "addr_info"
    }
}

/// `ovs-vsctl -f json list`: headings plus rows of mixed cells.
private struct OVSTable: Decodable {
    let headings: [String]
    let data: [[Cell]]

    enum Cell: Decodable {
        case string(String)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = (try? container.decode(String.self)).map(Cell.string) ?? .other
        }
    }
}

/// `/proc/net/bonding/<bond>`: "Currently Active Slave:" and per-slave "Permanent HW addr:".
private struct BondingProcFile {
    struct Slave {
        let name: String
        var permanentAddress: String?
    }

    private(set) var currentlyActiveSlave: String?
    private(set) var slaves: [Slave] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmed
            switch parts[0].trimmed {
            case "Currently Active Slave": currentlyActiveSlave = value
            case "Slave Interface": slaves.append(Slave(name: value))
            case "Permanent HW addr" where !slaves.isEmpty: slaves[slaves.count - 1].permanentAddress = value
            default: break
            }
        }
    }
}

extension StringProtocol {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
