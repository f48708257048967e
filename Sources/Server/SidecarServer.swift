import Foundation
import Frappe
import Hummingbird
import HummingbirdCore
import Integration
import Logging
import NIOCore
import Prometheus

/// The sidecar's HTTP face: Frappe's `/api/method/erpnext_github_integration.<module>.<fn>`
/// shape for every method of the table, plus `/healthz`, `/readyz` and `/metrics`.
///
/// A call passes, in order: metrics → Frappe-shaped errors → site and body → caller → the method.
public struct SidecarServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Frappe's own URL, to validate `sid` cookies (nil: cookies are not accepted).
        public var frappeURL: String?
        /// Frappe's limit for request bodies (`max_file_size` default).
        public var maxBodyBytes: Int
        /// A connection that sends nothing (no complete request head, no body bytes) for this long
        /// is closed: idle keep-alives and slow-sent headers do not hold a connection forever.
        public var idleTimeout: Duration
        /// A request's body must arrive in full within this long after its head.
        public var readTimeout: Duration

        public init(host: String = "127.0.0.1", port: Int = 8790, frappeURL: String? = nil, maxBodyBytes: Int = 25 * 1024 * 1024,
                    idleTimeout: Duration = .seconds(30), readTimeout: Duration = .seconds(60)) {
            self.host = host
            self.port = port
            self.frappeURL = frappeURL
            self.maxBodyBytes = maxBodyBytes
            self.idleTimeout = idleTimeout
            self.readTimeout = readTimeout
        }
    }

    public static let appPrefix = "erpnext_github_integration."
    static let methodPrefix = "/api/method/" + appPrefix

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
        self.authenticator = Authenticator(sessions: sessions, logger: logger)
        self.registry = registry
        self.logger = logger
    }

    /// The Hummingbird application; `onServerRunning` learns the bound port (useful with port 0).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: SidecarRequestContext.self)
        router.add(middleware: RPCMetricsMiddleware(registry: registry, methodNames: Set(methods.keys)))
        router.add(middleware: FrappeErrorMiddleware(logger: logger, drainLimit: 4 * configuration.maxBodyBytes))
        router.get("/healthz") { _, _ in Self.json(200, Data(#"{"status":"ok"}"#.utf8)) }
        router.get("/readyz") { _, _ in await readiness() }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        addGitHubAppRoutes(to: router)
        let rpc = router.group("/api/method")
            .add(middleware: SiteMiddleware(sites: sites, maxBodyBytes: configuration.maxBodyBytes))
            .add(middleware: AuthenticationMiddleware(authenticator: authenticator))
        for verb in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            rpc.on("{method}", method: verb) { request, context in
                try await call(request, context: context, path: context.parameters.get("method") ?? "")
            }
        }
        let readTimeout = TimeAmount(configuration.readTimeout)
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [RequestGuardHandler(readTimeout: readTimeout)],
                                               idleTimeout: TimeAmount(configuration.idleTimeout))
        return Application(router: router, server: .http1(configuration: http1),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "github-sidecar"),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    /// One RPC, once site, body and caller are known: the method of the table, its verbs, Guest's
    /// access, its arguments, then its answer as `{"message": …}`.
    func call(_ request: Request, context: SidecarRequestContext, path: String) async throws -> Response {
        guard path.hasPrefix(Self.appPrefix), let rpc = methods[String(path.dropFirst(Self.appPrefix.count))] else {
            throw FrappeError.validation("Failed to get method for command \(path) with No module named '\(path)'")
        }
        guard rpc.verbs.contains(request.method.rawValue) else {
            // Frappe answers 403 here; the message also says which verb the method takes.
            let verbs = rpc.verbs.sorted().joined(separator: " or ")
            throw FrappeError(.permissionError, "Not permitted: \(rpc.name) takes \(verbs), not \(request.method.rawValue)",
                              title: "Method Not Allowed", cause: .wrongVerb)
        }
        if context.caller.isGuest, !rpc.allowGuest {
            throw FrappeError(.permissionError, "<details><summary>You are not permitted to access this resource. Login to access</summary>Function <strong>\(path)</strong> is not whitelisted.</details>", title: "Method Not Allowed")
        }
        let args = rpc.takesRawBody
            ? RPCArguments()
            : try RPCArguments(query: request.uri.query, body: context.body, contentType: context.headers["content-type"])
        let result = try await rpc.respond(RPCCall(site: try context.requireSite(), caller: context.caller, args: args,
                                                   headers: context.headers, rawBody: context.body))
        return Self.json(result.status, FrappeResponseBody.success(json: result.message))
    }

    func readiness() async -> Response {
        let names = sites.bench.siteNames()
        for name in names {
            do {
                try await sites.site(name).ping()
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
