// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// Reads OVN's southbound database and ovn-controller's health for one ``OVNObservation``. Keeps, between
/// reads, when the southbound database may next be tried: after a failure it waits 0.25 s doubling up to
/// ``maximumBackoff`` (reset by a successful read), so an unreachable server is not hammered by a short poll.
public struct OVNObserver: Sendable {
    public var switchEndpoint: OVSDBEndpoint
    /// Where `ovn-controller.pid` and its control socket are (``OVNControllerStatus/defaultRunDirectory(_:)``).
    public var runDirectory: String
    public var timeout: Duration
    public var maximumBackoff: Duration
    /// The key, certificate and CA for an `ssl:` southbound remote; `nil` takes the switch's `SSL` row, the files
    /// ovn-controller uses (`vdsm-tool ovn-config` puts VDSM's there on an oVirt host).
    public var tlsFiles: TLSFiles?
    /// Makes the TLS layer from those files (FabricTLS's); without it an `ssl:` remote cannot be read.
    public var secureLayer: (@Sendable (TLSFiles) -> OVSDBSecureLayerFactory)?

    private var failures = 0
    private var nextSouthboundAttempt = ContinuousClock.now
    private var lastSouthboundError: String?

    public init(
        switchEndpoint: OVSDBEndpoint, runDirectory: String, timeout: Duration = .seconds(2),
        maximumBackoff: Duration = .seconds(10), tlsFiles: TLSFiles? = nil,
        secureLayer: (@Sendable (TLSFiles) -> OVSDBSecureLayerFactory)? = nil
    ) {
        self.switchEndpoint = switchEndpoint
        self.runDirectory = runDirectory
        self.timeout = timeout
        self.maximumBackoff = maximumBackoff
        self.tlsFiles = tlsFiles
        self.secureLayer = secureLayer
    }

    /// Reads everything once, the local switch included; blocks up to a few ``timeout``s.
    public mutating func observe() -> OVNObservation {
        let facts: Result<OVNSwitchFacts, OVSDBError>
        do throws(OVSDBError) {
            var client = try OVSDBClient(endpoint: switchEndpoint, timeout: timeout)
            let read = try client.ovnSwitchFacts()
            facts = .success(OVNSwitchFacts(externalIDs: read.externalIDs, ifaceIDs: read.ifaceIDs))
        } catch {
            facts = .failure(error)
        }
        return observe(switch: facts)
    }

    /// Reads ovn-controller's health and the southbound database, given what the local switch says (as a
    /// monitor of it last saw it, so a poll opens no connection to the switch); blocks up to a few ``timeout``s.
    public mutating func observe(switch facts: Result<OVNSwitchFacts, OVSDBError>) -> OVNObservation {
        let controller = OVNControllerStatus.read(runDirectory: runDirectory, timeout: timeout)
        let remote: String
        let localPorts: [String]
        var switchFiles: TLSFiles?
        do throws(OVSDBError) {
            let facts = try facts.get()
            localPorts = facts.ifaceIDs
            guard let value = facts.externalIDs["ovn-remote"], !value.isEmpty else {
                return OVNObservation(
                    southbound: nil, southboundError: "external_ids:ovn-remote is not set", controller: controller)
            }
            remote = value
            if tlsFiles == nil, value.contains("ssl:") {
                // The SSL row is not monitored: an ssl: remote is rare enough to read it when needed.
                var client = try OVSDBClient(endpoint: switchEndpoint, timeout: timeout)
                switchFiles = try client.switchSSLFiles()
            }
        } catch {
            return OVNObservation(
                southbound: nil, southboundError: "the Open vSwitch database could not be read: \(error)",
                controller: controller)
        }
        guard ContinuousClock.now >= nextSouthboundAttempt else {
            return OVNObservation(
                southbound: nil, southboundError: lastSouthboundError, southboundRemote: remote, controller: controller)
        }
        do throws(OVSDBError) {
            let endpoint = try OVNRemote.endpoint(parsing: remote)
            var client = try OVSDBClient(
                endpoint: endpoint, timeout: timeout, secureLayer: try secureLayerFactory(for: endpoint, switchFiles))
            // Only this host's vNICs' bindings: a deployment may have tens of thousands.
            let southbound = try client.southbound(logicalPorts: localPorts)
            failures = 0
            lastSouthboundError = nil
            return OVNObservation(southbound: southbound, southboundRemote: remote, controller: controller)
        } catch {
            let delay = min(maximumBackoff, .milliseconds(250) * (1 << min(failures, 20)))
            failures += 1
            nextSouthboundAttempt = ContinuousClock.now.advanced(by: delay)
            lastSouthboundError = "\(error)"
            return OVNObservation(
                southbound: nil, southboundError: lastSouthboundError, southboundRemote: remote, controller: controller)
        }
    }

    /// The TLS layer for an `ssl:` endpoint, from the configured files or the switch's `SSL` row; `nil` for others.
    private func secureLayerFactory(for endpoint: OVSDBEndpoint, _ switchFiles: TLSFiles?) throws(OVSDBError)
        -> OVSDBSecureLayerFactory?
    {
        guard endpoint.usesTLS else { return nil }
        guard let files = tlsFiles ?? switchFiles else {
            throw OVSDBError(
                kind: .invalidEndpoint,
                description: "the OVN southbound remote \(endpoint) needs a key, a certificate and a CA: the switch has "
                    + "no SSL row (ovs-vsctl set-ssl) and the ovn-ssl-* settings are not set")
        }
        guard let secureLayer else {
            throw OVSDBError(kind: .invalidEndpoint, description: "this program cannot reach the ssl: remote \(endpoint)")
        }
        return secureLayer(files)
    }
}

/// What OVN's lookups need from the local switch: its `external_ids` (`ovn-remote`) and the `iface-id` of
/// every interface (this host's logical ports).
public struct OVNSwitchFacts: Sendable, Hashable {
    public var externalIDs: [String: String]
    /// Sorted, without empty ids.
    public var ifaceIDs: [String]

    public init(externalIDs: [String: String], ifaceIDs: [String]) {
        self.externalIDs = externalIDs
        self.ifaceIDs = ifaceIDs
    }

    /// The facts of a monitored switch.
    public init(_ state: SwitchState) {
        externalIDs = state.externalIDs
        var ids: [String] = []
        for bridge in state.bridges {
            for port in bridge.ports {
                for interface in port.interfaces {
                    if let id = interface.externalIDs["iface-id"], !id.isEmpty { ids.append(id) }
                }
            }
        }
        ifaceIDs = ids.sorted()
    }
}
