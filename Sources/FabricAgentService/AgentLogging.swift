// SPDX-License-Identifier: Apache-2.0
import NIOConcurrencyHelpers
public import Logging

/// The process-wide log level, changeable on SIGHUP without re-bootstrapping swift-log.
public final class LogLevelBox: Sendable {
    private let storage: NIOLockedValueBox<Logger.Level>

    public init(_ level: Logger.Level) {
        storage = NIOLockedValueBox(level)
    }

    public var level: Logger.Level {
        get { storage.withLockedValue { $0 } }
        set { storage.withLockedValue { $0 = newValue } }
    }
}

/// swift-log's stderr stream handler, with its level read from a shared ``LogLevelBox``. Only the
/// executable bootstraps it (``bootstrap(level:)``); the library only takes `Logger`s.
public struct AgentLogHandler: LogHandler {
    private var base: StreamLogHandler
    private let box: LogLevelBox

    /// Bootstraps swift-log once for the process: stderr, structured metadata, the box's level.
    public static func bootstrap(level box: LogLevelBox) {
        LoggingSystem.bootstrap { label in AgentLogHandler(label: label, box: box) }
    }

    init(label: String, box: LogLevelBox) {
        base = StreamLogHandler.standardError(label: label)
        self.box = box
        base.logLevel = .trace
    }

    public var logLevel: Logger.Level {
        get { box.level }
        set { box.level = newValue }
    }

    public var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        base.log(event: event)
    }
}
