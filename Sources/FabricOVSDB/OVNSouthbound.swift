// SPDX-License-Identifier: Apache-2.0

/// What the OVN southbound database says that matters on one host: every chassis with its tunnel
/// endpoints, every port binding and every logical datapath. Read with
/// ``OVSDBClient/southbound(timeout:)``; rows reference each other by uuid, resolved here.
public struct OVNSouthbound: Sendable, Hashable, Codable {
    public struct Encap: Sendable, Hashable, Codable {
        /// `geneve`, `vxlan`, `stt`.
        public var type: String
        public var ip: String

        public init(type: String, ip: String) {
            self.type = type
            self.ip = ip
        }
    }

    public struct Chassis: Sendable, Hashable, Codable {
        /// The chassis name: its host's `external_ids:system-id`.
        public var name: String
        public var hostname: String
        /// Sorted by type, then IP.
        public var encaps: [Encap]

        public init(name: String, hostname: String, encaps: [Encap]) {
            self.name = name
            self.hostname = hostname
            self.encaps = encaps
        }
    }

    /// One logical datapath: a logical switch or router as ovn-northd names it.
    public struct Datapath: Sendable, Hashable, Codable {
        public var uuid: String
        /// `external_ids`: `logical-switch` or `logical-router` (the NB uuid), `name`, `name2`.
        public var externalIDs: [String: String]

        public init(uuid: String, externalIDs: [String: String]) {
            self.uuid = uuid
            self.externalIDs = externalIDs
        }

        /// The logical switch's (or router's) name in the northbound database.
        public var name: String? { externalIDs["name"].flatMap { $0.isEmpty ? nil : $0 } }
        public var isLogicalSwitch: Bool { externalIDs["logical-switch"] != nil }
    }

    public struct PortBinding: Sendable, Hashable, Codable {
        /// The logical port's name: the `iface-id` an OVS interface names it by.
        public var logicalPort: String
        /// `''` for a VM's port, `patch`, `localnet`, `l3gateway`, `chassisredirect`, …
        public var type: String
        /// The name of the chassis it is bound on, if bound.
        public var chassis: String?
        public var datapath: Datapath?
        /// Copied from the northbound port: `neutron:network_name`, `neutron:device_owner`, …
        public var externalIDs: [String: String]

        public init(
            logicalPort: String, type: String = "", chassis: String? = nil, datapath: Datapath? = nil,
            externalIDs: [String: String] = [:]
        ) {
            self.logicalPort = logicalPort
            self.type = type
            self.chassis = chassis
            self.datapath = datapath
            self.externalIDs = externalIDs
        }

        /// The network the port is on, as its provider names it: Neutron's network name when the port or its
        /// switch carries one (northd copies `neutron:network_name` into the datapath's `name2`), else the
        /// logical switch's own name.
        public var networkName: String? {
            let candidates = [
                externalIDs["neutron:network_name"], datapath?.externalIDs["name2"],
                datapath?.externalIDs["neutron:network_name"], datapath?.name,
            ]
            return candidates.lazy.compactMap { $0 }.first { !$0.isEmpty }
        }
    }

    /// Sorted by name.
    public var chassis: [Chassis]
    /// By logical port name.
    public var portBindings: [String: PortBinding]

    public init(chassis: [Chassis] = [], portBindings: [String: PortBinding] = [:]) {
        self.chassis = chassis
        self.portBindings = portBindings
    }

    public func chassis(named name: String) -> Chassis? {
        chassis.first { $0.name == name }
    }
}
