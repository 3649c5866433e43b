// SPDX-License-Identifier: Apache-2.0
public import FabricAgentSettings
import FabricInventory
import FabricOVSDB
import FabricPOSIX
import FabricTLS
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// `fabric-agent serve`: one ``ServiceGroup`` holding, in start order, the netlink watcher, the OVSDB
/// monitor, the OVN monitor, the counter sampler, the HTTP API, the SIGHUP reloader and the shutdown announcer.
/// SIGTERM and SIGINT stop it gracefully (reverse order: systemd hears `STOPPING=1` and event
/// streams end first, then the API stops accepting, then the watchers stop).
public struct AgentDaemon: Sendable {
    public var configuration: AgentConfiguration
    /// Re-reads the configuration (file and environment, flags kept) on SIGHUP.
    public var reload: @Sendable () throws(AgentConfigurationError) -> AgentConfiguration
    public var environment: [String: String]
    public var logLevel: LogLevelBox

    public init(
        configuration: AgentConfiguration, environment: [String: String], logLevel: LogLevelBox,
        reload: @escaping @Sendable () throws(AgentConfigurationError) -> AgentConfiguration
    ) {
        self.configuration = configuration
        self.environment = environment
        self.logLevel = logLevel
        self.reload = reload
    }

    public func run() async throws {
        let configuration = configuration
        let logger = Logger(label: "fabric.agent")
        let token = try configuration.loadToken()
        let endpoint = configuration.inventory.ovsdb ?? .fromEnvironment(environment)
        let store = TableStore()
        let updater = HostTableUpdater(
            builder: Self.builder(configuration), ovsdbEndpoint: endpoint.description, store: store)
        let interval = SampleInterval(seconds: configuration.sampleInterval)
        let notifier = SystemdNotifier(environment: environment)

        var watcher = NetlinkWatcher(
            networkNamespace: configuration.inventory.netns, updater: updater, logger: logger.with("service", "netlink"))
        watcher.receiveBufferSize = Int32(configuration.netlinkReceiveBuffer)
        let switchFacts = SwitchFactsMailbox()
        let ovsdb = OVSDBMonitorService(
            endpoint: endpoint, timeout: .milliseconds(Int(configuration.inventory.ovsdbTimeout * 1000)),
            maximumBackoff: configuration.ovsdbMaxBackoff, updater: updater, logger: logger.with("service", "ovsdb"),
            switchFacts: switchFacts)
        let providerAgents = ProviderAgentsService(
            probe: Self.agentsProbe(configuration, ovsdb: endpoint), updater: updater,
            logger: logger.with("service", "agents"))
        let ovn = OVNMonitorService(
            observer: OVNObserver(
                switchEndpoint: endpoint, runDirectory: OVNControllerStatus.defaultRunDirectory(environment),
                timeout: .milliseconds(Int(configuration.inventory.ovsdbTimeout * 1000)),
                maximumBackoff: .milliseconds(Int(configuration.ovsdbMaxBackoff * 1000)),
                tlsFiles: try? configuration.inventory.ovnTLSFiles(),
                secureLayer: { OVSDBTLSLayer.factory($0) }),
            updater: updater, logger: logger.with("service", "ovn"), switchFacts: switchFacts)
        let sampler = CounterSampler(
            networkNamespace: configuration.inventory.netns, interval: interval, updater: updater,
            logger: logger.with("service", "sampler"))
        let engine = try EngineReporter.configured(configuration, store: store, logger: logger.with("service", "engine"))
        let api = try await Self.application(
            configuration: configuration, store: store, token: token, engine: engine, notifier: notifier,
            logger: logger.with("service", "api"))
        let reloader = ReloadService(
            reload: reload, updater: updater, interval: interval, logLevel: logLevel, notifier: notifier,
            logger: logger.with("service", "reload"))
        let announcer = ShutdownAnnouncer(notifier: notifier, store: store)

        if case .unix(let path) = configuration.listen { try Self.prepareSocketDirectory(path) }
        logger.info(
            "starting",
            metadata: [
                "agent.listen": "\(configuration.listen)", "agent.tls": "\(configuration.tlsCertificate != nil)",
                "agent.token": "\(token != nil ? "configured" : "none")", "ovsdb.endpoint": "\(endpoint)",
                "agent.netns": "\(configuration.inventory.netns ?? "-")", "agent.sample_interval": "\(configuration.sampleInterval)",
                "netlink.receive_buffer": "\(configuration.netlinkReceiveBuffer)",
            ])
        var groupConfiguration = ServiceGroupConfiguration(
            services: [watcher, ovsdb, providerAgents, ovn, sampler, api, reloader] + (engine.map { [$0] } ?? []) + [announcer],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int(configuration.shutdownTimeout * 1000))
        let group = ServiceGroup(configuration: groupConfiguration)
        defer {
            if case .unix(let path) = configuration.listen { FileSystem.remove(path) }
            if let readyFile = configuration.readyFile { FileSystem.remove(readyFile) }
        }
        try await group.run()
        logger.info("stopped")
    }

    static func builder(_ configuration: AgentConfiguration) -> HostTableBuilder {
        configuration.inventory.tableBuilder
    }

    /// ovs-vswitchd's pid file and control socket are beside the database socket (OVS's run directory).
    static func agentsProbe(_ configuration: AgentConfiguration, ovsdb: OVSDBEndpoint) -> ProviderAgentsProbe {
        configuration.inventory.agentsProbe(ovsdb: ovsdb)
    }

    /// The Hummingbird application; reports readiness (stderr line, ready file, `READY=1`) once bound.
    static func application(
        configuration: AgentConfiguration, store: TableStore, token: String?, engine: EngineReporter?,
        notifier: SystemdNotifier, logger: Logger
    ) async throws -> some Service {
        let address: BindAddress
        switch configuration.listen {
        case .unix(let path): address = .unixDomainSocket(path: path)
        case .tcp(let host, let port): address = .hostname(host, port: port)
        }
        var server: HTTPServerBuilder = .http1()
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
                let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
                let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
                server = try .tls(.http1(), tlsConfiguration: tls)
            } catch {
                throw AgentConfigurationError(
                    key: "tls-certificate", source: certificate, reason: "cannot load the certificate or key: \(error)")
            }
        }
        let listen = configuration.listen
        let listenGroup = configuration.listenGroup
        let readyFile = configuration.readyFile
        let scheme = configuration.tlsCertificate != nil ? "https" : "http"
        let router = AgentAPI.router(store: store, token: token, engine: engine, streams: EventStreams(logger: logger))
        let responder = MethodNotAllowedResponder(inner: router.buildResponder())
        return Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: address, serverName: "fabric-agent"),
            onServerRunning: { channel in
                let bound: String
                switch listen {
                case .unix(let path):
                    // VDSM's hooks (group kvm) and admins connect; other users must not.
                    try? FileSystem.setMode(path, 0o660)
                    if let group = listenGroup.groupID {
                        do throws(Errno) {
                            try FileSystem.setGroup(path, group)
                        } catch {
                            logger.error(
                                "cannot give the socket to listen-group; only the agent's own user and group can connect",
                                metadata: ["agent.socket": "\(path)", "agent.listen_group": "\(listenGroup)", "error": "\(error)"])
                        }
                    }
                    bound = "unix:\(path)"
                case .tcp(let host, _):
                    let port = channel.localAddress?.port ?? 0
                    bound = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                }
                logger.notice("serving", metadata: ["agent.bound": "\(bound)"])
                if let readyFile { Self.writeReadyFile(readyFile, bound) }
                notifier.notify("READY=1\nSTATUS=serving on \(bound)")
            },
            logger: logger)
    }

    /// Creates the socket's folder (`/run/fabric` without systemd's `RuntimeDirectory=`).
    static func prepareSocketDirectory(_ path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let directory = String(path[..<slash])
        do throws(Errno) {
            try FileSystem.makeDirectory(directory, mode: 0o755)
        } catch {
            throw AgentConfigurationError(key: "listen", source: path, reason: "cannot create \(directory): \(error)")
        }
    }

    /// Writes `bound` and a newline through a temporary file, so readers never see half a line.
    static func writeReadyFile(_ path: String, _ bound: String) {
        try? AtomicFile.replace(path, with: Array((bound + "\n").utf8), newFileMode: 0o644)
    }
}

/// On graceful shutdown: `STOPPING=1` to systemd and the end of every `/v1/events` stream, so the
/// HTTP server's drain does not wait for streams that never end. Last in the group, so first to hear.
struct ShutdownAnnouncer: Service {
    var notifier: SystemdNotifier
    var store: TableStore

    func run() async throws {
        try? await gracefulShutdown()
        notifier.notify("STOPPING=1")
        store.close()
    }
}

/// SIGHUP: re-reads the configuration file and environment (flags still win) and applies what can
/// change without a restart: the sample interval, the log level and the host file locations. Listen
/// address, TLS, token, namespace, OVSDB endpoint, netlink receive buffer and the engine keys need a restart.
struct ReloadService: Service {
    var reload: @Sendable () throws(AgentConfigurationError) -> AgentConfiguration
    var updater: HostTableUpdater
    var interval: SampleInterval
    var logLevel: LogLevelBox
    var notifier: SystemdNotifier
    var logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            notifier.notify("RELOADING=1")
            do {
                let configuration = try reload()
                interval.value = configuration.sampleInterval
                logLevel.level = configuration.logLevel
                await updater.reconfigure(builder: AgentDaemon.builder(configuration))
                logger.notice(
                    "configuration reloaded",
                    metadata: [
                        "agent.sample_interval": "\(configuration.sampleInterval)",
                        "agent.log_level": "\(configuration.logLevel)",
                    ])
            } catch {
                logger.error("configuration reload failed; keeping the previous one", metadata: ["error": "\(error)"])
            }
            notifier.notify("READY=1")
        }
    }
}

extension Logger {
    func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy[metadataKey: key] = "\(value)"
        return copy
    }
}
