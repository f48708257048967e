import Foundation

/// Where and how a ``GitHubClient`` talks to GitHub. All knobs have production defaults; tests
/// shrink the waits and inject ``sleep`` and ``now`` so they never really wait.
public struct GitHubConfiguration: Sendable {
    /// REST root without a trailing slash: `https://api.github.com`, GHES `https://HOST/api/v3`,
    /// or FakeGitHub's `http://127.0.0.1:PORT`.
    public var baseURL: String
    /// GraphQL endpoint. Derived from ``baseURL`` unless set: `…/api/v3` → `…/api/graphql`,
    /// anything else → `<baseURL>/graphql`.
    public var graphQLURL: String
    /// GitHub requires a User-Agent and asks that it name the product.
    public var userAgent: String
    /// Sent as `X-GitHub-Api-Version`.
    public var apiVersion: String
    /// Page size for list calls; GitHub's maximum is 100 (the default 30 triples the call count).
    public var perPage: Int
    /// Deadline for one HTTP exchange, including reading the body.
    public var requestTimeout: Duration
    /// Minimum gap between two mutations (POST/PATCH/PUT/DELETE) with the same credentials.
    /// GitHub's guidance against secondary limits is one second.
    public var mutationSpacing: Duration
    /// Reads (GETs, GraphQL queries) one credential may have in flight at once; more wait for a
    /// slot. Four is what a sync fetches ahead, well inside GitHub's guidance against secondary limits.
    public var maxReadsInFlight: Int
    /// Retries of idempotent requests on 5xx, connection errors and timeouts.
    public var retry: RetryPolicy
    /// How long after sending a create whose answer was lost the "sent once" calls
    /// (``GitHubClient/createIssueOnce(owner:repo:_:operationID:previousAttemptSince:)``) wait before
    /// trusting a lookup that finds nothing. GitHub stops working on a REST request after 10 s, so a
    /// create not visible 15 s after it was sent was not applied and may be sent again.
    public var unknownOutcomeSettleTime: Duration
    /// Wait after a secondary limit that came without `Retry-After` (GitHub: "at least one minute");
    /// doubled on each consecutive hit.
    public var secondaryLimitWait: Duration
    /// How many rate-limit waits (primary or secondary) one call may sit through before giving up.
    public var maxRateLimitWaits: Int
    /// Upper bound for one wait for a primary reset; longer waits fail with `rateLimited` instead.
    public var maxPrimaryWait: Duration
    /// Largest response body read into memory.
    public var maxResponseBytes: Int
    /// How the client waits. Tests inject a recorder; production uses `Task.sleep`.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// The wall clock used to compare against `X-RateLimit-Reset` and token expiry.
    public var now: @Sendable () -> Date

    public init(
        baseURL: String = "https://api.github.com",
        graphQLURL: String? = nil,
        userAgent: String = "erpnext-github-sidecar/0.1 (+https://github.com/)",
        apiVersion: String = "2022-11-28",
        perPage: Int = 100,
        requestTimeout: Duration = .seconds(30),
        mutationSpacing: Duration = .seconds(1),
        maxReadsInFlight: Int = 4,
        retry: RetryPolicy = RetryPolicy(),
        unknownOutcomeSettleTime: Duration = .seconds(15),
        secondaryLimitWait: Duration = .seconds(60),
        maxRateLimitWaits: Int = 4,
        maxPrimaryWait: Duration = .seconds(3700),
        maxResponseBytes: Int = 64 * 1024 * 1024,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        let trimmed = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.baseURL = trimmed
        self.graphQLURL = graphQLURL ?? Self.deriveGraphQLURL(from: trimmed)
        self.userAgent = userAgent
        self.apiVersion = apiVersion
        self.perPage = perPage
        self.requestTimeout = requestTimeout
        self.mutationSpacing = mutationSpacing
        self.maxReadsInFlight = maxReadsInFlight
        self.retry = retry
        self.unknownOutcomeSettleTime = unknownOutcomeSettleTime
        self.secondaryLimitWait = secondaryLimitWait
        self.maxRateLimitWaits = maxRateLimitWaits
        self.maxPrimaryWait = maxPrimaryWait
        self.maxResponseBytes = maxResponseBytes
        self.sleep = sleep
        self.now = now
    }

    /// github.com: `https://api.github.com` → `https://api.github.com/graphql`;
    /// GHES: `https://HOST/api/v3` → `https://HOST/api/graphql`.
    public static func deriveGraphQLURL(from baseURL: String) -> String {
        if baseURL.hasSuffix("/api/v3") {
            return String(baseURL.dropLast("/v3".count)) + "/graphql"
        }
        return baseURL + "/graphql"
    }
}

/// Jittered exponential backoff for idempotent requests.
public struct RetryPolicy: Sendable {
    /// Total attempts including the first (so 3 = two retries).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// "Full jitter": uniformly random in [base·2ⁿ/2, base·2ⁿ], capped, so many clients that failed
    /// together don't retry together.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 16)
        let ceiling = min(baseDelay * (1 << exponent), maxDelay)
        let fraction = Double.random(in: 0.5...1.0)
        return ceiling * fraction
    }
}
