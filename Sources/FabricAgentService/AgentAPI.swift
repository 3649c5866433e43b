// SPDX-License-Identifier: Apache-2.0
import FabricInventory
public import Hummingbird
public import Logging
import NIOCore

/// The agent's HTTP API (docs/agent.md, `GET /openapi.json`):
///
/// | Route | Answer |
/// |---|---|
/// | `GET /` | the web page |
/// | `GET /v1/interfaces` | the host table (schema `fabric.host-interfaces`) |
/// | `GET /v1/interfaces/{name}` | one row, or 404 |
/// | `GET /v1/networks` | the networks (schema `fabric.host-networks`) |
/// | `GET /v1/networks/{name}` | one network, or 404 |
/// | `GET /v1/events` | server-sent events: the table, then one `changes` event per change |
/// | `GET /metrics` | Prometheus text |
/// | `GET /healthz` | `{"status":"ok"}` once the first table exists, else 503 |
/// | `GET /openapi.json` | the OpenAPI 3 description |
public enum AgentAPI {
    /// The router with every route, behind bearer-token authentication when `token` is set; `/metrics`
    /// includes the engine push's counters when `engine` is given. `streams` bounds the `/v1/events`
    /// streams and logs the clients it drops.
    public static func router(
        store: TableStore, token: String?, engine: EngineReporter? = nil,
        streams: EventStreams = EventStreams(logger: Logger(label: "fabric.agent"))
    ) -> Router<AgentRequestContext> {
        let router = Router(context: AgentRequestContext.self)
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }

        router.get("/") { _, _ in
            let page = WebPage.html(table: store.publication.map { Array($0.json.readableBytesView) })
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("/healthz") { _, _ in
            guard store.publication != nil else {
                return jsonError(.serviceUnavailable, "the first netlink snapshot has not been taken yet")
            }
            return json(.ok, Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("/openapi.json") { _, _ in
            json(.ok, Array(OpenAPIDocument.json.utf8))
        }
        router.get("/v1/interfaces") { _, _ in
            guard let publication = store.documentPublication() else { return notReady() }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: publication.json))
        }
        router.get("/v1/interfaces/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard let publication = store.publication else { return notReady() }
            guard let row = publication.table.interfaces.first(where: { $0.name == name }) else {
                return jsonError(.notFound, "no interface named '\(name)'")
            }
            return json(.ok, CompactJSON.encode(row))
        }
        router.get("/v1/networks") { _, _ in
            guard let publication = store.publication else { return notReady() }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: publication.networksJSON))
        }
        router.get("/v1/networks/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard let publication = store.publication else { return notReady() }
            guard let network = publication.networks.network(named: name) else {
                return jsonError(.notFound, "this host carries no network named '\(name)'")
            }
            return json(.ok, CompactJSON.encode(network))
        }
        router.get("/metrics") { _, _ in
            guard let publication = store.documentPublication() else { return notReady() }
            let push = await engine?.statistics
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        bytes: MetricsExporter.exposition(
                            publication.table, networks: publication.networks, engine: push, streams: streams.statistics,
                            netlinkOverruns: store.netlinkOverruns))))
        }
        router.get("/v1/events") { request, context in
            // `?include=networks` adds an `event: networks` (the whole networks document) first and whenever
            // the networks change: an agent's health, a tunnel, a VDSM network's configuration.
            let withNetworks = request.uri.queryParameters["include"].map { $0 == "networks" } ?? false
            guard let slot = streams.reserve() else {
                var response = jsonError(
                    .serviceUnavailable,
                    "too many event streams are open (\(EventStreams.maximumStreams)); try again later")
                response.headers[.retryAfter] = "\(EventStreams.writeDeadline.components.seconds)"
                return response
            }
            let stream = store.subscribe()
            let channel = context.channel
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    // The place is held until the stream ends, however it ends.
                    defer { withExtendedLifetime(slot) {} }
                    // A comment first, so clients see the stream open before the first table.
                    let opening = ByteBuffer(string: ": fabric host table events\n\n")
                    try await streams.write([opening], to: &writer, on: channel)
                    var sent: UInt64?
                    var sentNetworks: UInt64?
                    for await publication in stream {
                        var event = ServerSentEvent.next(publication, after: sent)
                        if withNetworks, publication.networksVersion != sentNetworks {
                            event += ServerSentEvent.networks(publication)
                            sentNetworks = publication.networksVersion
                        }
                        try await streams.write(event, to: &writer, on: channel)
                        sent = publication.version
                    }
                    try await streams.finish(&writer, on: channel)
                })
        }
        return router
    }

    static func json(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"error": MESSAGE, "status": CODE}`, the shape of every API error.
    static func jsonError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        struct Body: Encodable {
            var error: String
            var status: Int
        }
        return json(status, CompactJSON.encode(Body(error: message, status: status.code)))
    }

    static func notReady() -> Response {
        jsonError(.serviceUnavailable, "the first netlink snapshot has not been taken yet")
    }
}

/// The `/v1/events` wire format (docs/agent.md): first `event: table` with the whole table, then one
/// `event: changes` per version with a ``TableChanges``; `id:` is the version either way, and the data is
/// one line (compact JSON has no newlines). A stream that skipped versions (a slow reader keeps only the
/// newest) gets the whole table again instead of changes it could not apply.
enum ServerSentEvent {
    /// The event for `publication` on a stream whose last event was version `sent`, in buffers that
    /// share the publication's JSON (not copied).
    static func next(_ publication: TablePublication, after sent: UInt64?) -> [ByteBuffer] {
        // The same version again: only the networks changed, the table is what the stream has.
        if publication.version == sent { return [] }
        if let sent, publication.version == sent + 1, let changes = publication.changesJSON {
            return event("changes", publication.version, changes)
        }
        return event("table", publication.version, publication.json)
    }

    /// `event: networks` with the networks of `publication`, after its table or changes event.
    static func networks(_ publication: TablePublication) -> [ByteBuffer] {
        event("networks", publication.version, publication.networksJSON)
    }

    private static func event(_ name: String, _ version: UInt64, _ data: ByteBuffer) -> [ByteBuffer] {
        [ByteBuffer(string: "event: \(name)\nid: \(version)\ndata: "), data, ByteBuffer(string: "\n\n")]
    }
}

/// Requires `Authorization: Bearer TOKEN` on every request; answers 401 with a JSON error otherwise.
/// The comparison takes the same time wherever the first difference is.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), token)
        else {
            var response = AgentAPI.jsonError(.unauthorized, "a valid bearer token is required")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"fabric-agent\""
            return response
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}

/// Wraps the router so that another method on a known path gets 405 with `Allow`, not the router's
/// 404: every route is read-only, and clients deserve to know the path exists.
struct MethodNotAllowedResponder<Inner: HTTPResponder>: HTTPResponder {
    typealias Context = Inner.Context
    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        let notFound: Bool
        do {
            let response = try await inner.respond(to: request, context: context)
            guard response.status == .notFound else { return response }
            notFound = true
            if !Self.isKnown(request) { return response }
        } catch let error as HTTPError where error.status == .notFound {
            notFound = true
            if !Self.isKnown(request) { throw error }
        }
        precondition(notFound)
        var response = AgentAPI.jsonError(.methodNotAllowed, "only GET is supported here")
        response.headers[.allow] = "GET, HEAD"
        return response
    }

    static func isKnown(_ request: Request) -> Bool {
        guard request.method != .get, request.method != .head else { return false }
        let path = request.uri.path
        if ["/", "/healthz", "/openapi.json", "/v1/interfaces", "/v1/networks", "/v1/events", "/metrics"].contains(path) {
            return true
        }
        return ["/v1/interfaces/", "/v1/networks/"].contains { prefix in
            path.hasPrefix(prefix) && path.count > prefix.count && !path.dropFirst(prefix.count).contains("/")
        }
    }
}
