import Foundation
import GitHub

/// How a FakeGitHub behaves beyond its data.
public struct FakeGitHubOptions: Sendable {
    /// GHES-style prefix every API path must carry, e.g. `/api/v3` (GraphQL then lives at `/api/graphql`).
    public var pathPrefix: String
    /// Added to every request before it is handled (the benchmark's 20 ms).
    public var latency: Duration
    /// Primary budget per credential per window, for `core` (REST) and `graphql`.
    public var rateLimit: Int
    public var graphQLRateLimit: Int
    /// Length of a rate-limit window, seconds.
    public var rateLimitWindow: TimeInterval
    /// Lifetime of minted installation tokens, seconds (GitHub: one hour).
    public var installationTokenLifetime: TimeInterval
    /// Where to POST webhooks for every mutation, in addition to repository hooks.
    public var webhookURL: String?
    /// Secret for ``webhookURL`` deliveries (`X-Hub-Signature-256`); unsigned when nil.
    public var webhookSecret: String?
    /// Accept tokens that are not in the seed, as the first seeded user. Convenient for the demo;
    /// tests that check 401s turn it off.
    public var acceptUnknownTokens: Bool
    /// Page size when a request gives no `per_page` (GitHub: 30).
    public var defaultPerPage: Int
    /// Whether 304 answers carry the `Link` header (leave off to check clients don't depend on it).
    public var linkHeaderOn304: Bool
    /// The fake's clock (rate-limit windows, token expiry, JWT checks). Tests share one with the client.
    public var now: @Sendable () -> Date

    public init(
        pathPrefix: String = "", latency: Duration = .zero, rateLimit: Int = 5000, graphQLRateLimit: Int = 5000,
        rateLimitWindow: TimeInterval = 3600, installationTokenLifetime: TimeInterval = 3600,
        webhookURL: String? = nil, webhookSecret: String? = nil, acceptUnknownTokens: Bool = true,
        defaultPerPage: Int = 30, linkHeaderOn304: Bool = false, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        var prefix = pathPrefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if !prefix.isEmpty, !prefix.hasPrefix("/") { prefix = "/" + prefix }
        self.pathPrefix = prefix
        self.latency = latency
        self.rateLimit = rateLimit
        self.graphQLRateLimit = graphQLRateLimit
        self.rateLimitWindow = rateLimitWindow
        self.installationTokenLifetime = installationTokenLifetime
        self.webhookURL = webhookURL
        self.webhookSecret = webhookSecret
        self.acceptUnknownTokens = acceptUnknownTokens
        self.defaultPerPage = defaultPerPage
        self.linkHeaderOn304 = linkHeaderOn304
        self.now = now
    }
}

/// One request as the fake saw it. Appended when the request arrives (so a request whose client
/// gave up is still counted); `status` is filled in when the answer is sent.
public struct FakeRequestLogEntry: Sendable, Codable, Hashable {
    public var id: Int
    public var method: String
    /// Path and query as received, including any GHES prefix.
    public var path: String
    public var status: Int?
    /// True when the request carried `If-None-Match` or `If-Modified-Since`.
    public var conditional: Bool
    /// Who it was: a login, `app:<id>`, `installation:<id>` or `anonymous`.
    public var identity: String?
    /// Rate-limit resource charged (`core`, `graphql`), nil when nothing was charged (304s, limits).
    public var chargedResource: String?
    public var receivedAt: Date
    public var completedAt: Date?
    /// The request body as text (nil when empty), so a test can check exactly what reached GitHub.
    public var body: String?
    /// True when GitHub applied the request but never answered (``FakeFault/Kind/applyThenHang(upTo:)``).
    public var answerWithheld: Bool = false

    /// The path without its query string.
    public var pathWithoutQuery: String { String(path.split(separator: "?", maxSplits: 1).first ?? "") }

    /// The query string's items, decoded (`creator=alice&sort=created` → `["creator": "alice", …]`).
    public var query: [String: String] {
        var result: [String: String] = [:]
        for item in URLComponents(string: "http://x" + path)?.queryItems ?? [] { result[item.name] = item.value ?? "" }
        return result
    }

    /// The body parsed as JSON (nil when empty or not JSON).
    public var bodyJSON: JSONValue? {
        body.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
    }
}

/// A webhook the fake sent (or tried to).
public struct FakeWebhookDelivery: Sendable, Codable, Hashable {
    public var deliveryID: String
    public var event: String
    public var action: String?
    public var url: String
    /// HTTP status the receiver answered, nil if it could not be reached.
    public var responseStatus: Int?
    public var error: String?
}

/// A fault to inject into matching requests.
public struct FakeFault: Sendable {
    public enum Kind: Sendable {
        /// Answer with this status and GitHub-style `{message}` body (e.g. 502).
        case status(Int, message: String)
        /// A secondary rate limit: 403 (or 429) with `Retry-After` when given.
        case secondaryLimit(retryAfter: Int?, status: Int)
        /// Hold the request this long, then handle it normally (the work still happens, as on GitHub
        /// when a client times out).
        case delay(Duration)
        /// Handle the request normally (the mutation is applied and its webhooks sent), then never answer:
        /// the connection stays open and silent until the client gives up — the "lost answer" a client
        /// must survive without creating twice. The answer is released after `upTo`, when the server
        /// stops, or by ``FakeGitHubState/releaseWithheldAnswers()``.
        case applyThenHang(upTo: Duration = .seconds(60))
    }

    public var method: String?
    /// Matches when the path (without prefix and query) contains this text.
    public var pathContains: String?
    /// Matches when `&` + the query string + `&` contains this text (e.g. `&page=2&` to hold back one page).
    public var queryContains: String?
    /// Let this many matching requests through before the fault starts ("fail the Nth call").
    public var skip: Int
    /// How many matching requests get the fault.
    public var times: Int
    public var kind: Kind

    public init(method: String? = nil, pathContains: String? = nil, queryContains: String? = nil, skip: Int = 0, times: Int = 1,
                kind: Kind) {
        self.method = method
        self.pathContains = pathContains
        self.queryContains = queryContains
        self.skip = skip
        self.times = times
        self.kind = kind
    }

    func matches(method: String, path: String, query: String = "") -> Bool {
        (self.method == nil || self.method == method) && (pathContains.map { path.contains($0) } ?? true)
            && (queryContains.map { query.contains($0) } ?? true)
    }
}
