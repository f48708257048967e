import Foundation
import Frappe
import Integration
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus

/// The sidecar's HTTP face: Frappe's `/api/method/erpnext_github_integration.<module>.<fn>`
/// shape for every method of the table, plus `/healthz`, `/readyz` and `/metrics`.
public struct SidecarServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Frappe's own URL, to validate `sid` cookies (nil: cookies are not accepted).
        public var frappeURL: String?
        /// Frappe's limit for request bodies (`max_file_size` default).
        public var maxBodyBytes: Int

        public init(host: String = "127.0.0.1", port: Int = 8790, frappeURL: String? = nil, maxBodyBytes: Int = 25 * 1024 * 1024) {
            self.host = host
            self.port = port
            self.frappeURL = frappeURL
            self.maxBodyBytes = maxBodyBytes
        }
    }

    public static let appPrefix = "erpnext_github_integration."

    let configuration: Configuration
    let sites: SiteDirectory
    let methods: [String: RPCMethod]
    let authenticator: Authenticator
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    /// The bench's GitHub App, for `/github/webhooks` and `/github/callback` (nil: those answer 404).
    let githubApp: GitHubAppService?

    public init(configuration: Configuration, sites: SiteDirectory, methods: [RPCMethod], registry: PrometheusCollectorRegistry,
                sessions: (any SessionValidator)? = nil, githubApp: GitHubAppService? = nil, logger: Logger) {
        self.githubApp = githubApp
        self.configuration = configuration
        self.sites = sites
        self.methods = Dictionary(methods.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.authenticator = Authenticator(sessions: sessions)
        self.registry = registry
        self.logger = logger
    }

    /// The Hummingbird application; `onServerRunning` learns the bound port (useful with port 0).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.get("/healthz") { _, _ in Self.json(200, Data(#"{"status":"ok"}"#.utf8)) }
        router.get("/readyz") { _, _ in await readiness() }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        addGitHubAppRoutes(to: router)
        for verb in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("/api/method/{method}", method: verb) { request, context in
                await handle(request, method: context.parameters.get("method") ?? "")
            }
        }
        return Application(router: router,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "github-sidecar"),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    /// (`MetricNameDescriptor` is not Sendable, so these are made where they are used.)
    static var requestsMetric: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sidecar", metricName: "rpc_requests", unitName: "total", helpText: "RPC requests by method and HTTP status")
    }
    static var durationMetric: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sidecar", metricName: "rpc_duration", unitName: "seconds", helpText: "RPC latency by method")
    }
    static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
                                             .milliseconds(1000), .seconds(5), .seconds(30), .seconds(120)]

    /// One RPC: site → body → caller → method → Frappe-shaped answer.
    func handle(_ request: Request, method path: String) async -> Response {
        let started = DispatchTime.now()
        var label = "unknown"
        var status = 500
        defer {
            registry.makeCounter(descriptor: Self.requestsMetric, labels: [("method", label), ("status", String(status))]).increment()
            registry.makeDurationHistogram(descriptor: Self.durationMetric, labels: [("method", label)], buckets: Self.latencyBuckets)
                .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds))
        }
        do {
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let siteName = try sites.bench.resolveSite(siteHeader: headers["x-frappe-site-name"], host: request.head.authority ?? headers["host"])
            let site = try await sites.site(siteName)
            let body: Data
            do {
                body = Data(buffer: try await request.body.collect(upTo: configuration.maxBodyBytes))
            } catch {
                throw FrappeError(.requestEntityTooLarge, "Request body is larger than \(configuration.maxBodyBytes / 1_048_576) MB")
            }
            let pathWithQuery = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
            let caller = try await authenticator.authenticate(
                AuthRequest(method: request.method.rawValue, pathWithQuery: pathWithQuery, headers: headers, body: body), site: site)
            guard path.hasPrefix(Self.appPrefix), let rpc = methods[String(path.dropFirst(Self.appPrefix.count))] else {
                throw FrappeError.validation("Failed to get method for command \(path) with No module named '\(path)'")
            }
            label = rpc.name
            guard rpc.verbs.contains(request.method.rawValue) else {
                throw FrappeError(.permissionError, "Not permitted", title: "Method Not Allowed")
            }
            if caller.isGuest, !rpc.allowGuest {
                throw FrappeError(.permissionError, "<details><summary>You are not permitted to access this resource. Login to access</summary>Function <strong>\(path)</strong> is not whitelisted.</details>", title: "Method Not Allowed")
            }
            let args = rpc.takesRawBody ? RPCArguments() : try RPCArguments(query: request.uri.query, body: body, contentType: headers["content-type"])
            let result = try await rpc.respond(RPCCall(site: site, caller: caller, args: args, headers: headers, rawBody: body))
            status = result.status
            return Self.json(result.status, FrappeResponseBody.success(json: result.message))
        } catch let error as FrappeError {
            status = error.httpStatus
            if status >= 500 { logger.error("\(path): \(error)") }
            return Self.json(status, FrappeResponseBody.error(error))
        } catch {
            status = 500
            logger.error("\(path) failed: \(String(describing: type(of: error)))")
            return Self.json(500, FrappeResponseBody.error(.internalError()))
        }
    }

    func readiness() async -> Response {
        let names = sites.bench.siteNames()
        for name in names {
            do {
                let site = try await sites.site(name)
                _ = try await site.pool.withConnection { try $0.ping() }
            } catch {
                return Self.json(503, Data(#"{"status":"unavailable","site":"\#(name)"}"#.utf8))
            }
        }
        return Self.json(200, Data(#"{"status":"ready","sites":\#(names.count)}"#.utf8))
    }

    /// `Content-Type: application/json` exactly: the desk parses error bodies only then.
    static func json(_ status: Int, _ body: Data) -> Response {
        Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension FrappeResponseBody {
    /// `{"message": value}`, or `{}` for a method that returned nothing.
    public static func success(json value: JSONValue?) -> Data {
        guard let value, value != .null else { return Data("{}".utf8) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(["message": value])) ?? Data("{}".utf8)
    }
}
