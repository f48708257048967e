import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The GitHub REST and GraphQL client.
///
/// Make one per process (per configuration) and derive variants from it; the variants share the
/// HTTP connection pool, rate-limit budgets, mutation spacing, installation-token cache and ETag
/// store:
///
/// ```swift
/// let github = GitHubClient(configuration: .init(baseURL: settings.apiBaseURL), auth: .token(pat))
/// let desk = github.with(rateLimitPolicy: .failFast)          // never blocks a person
/// let counter = RequestCounter()
/// for try await page in github.counting(into: counter).issues(owner: "o", repo: "r") { … }
/// let app = GitHubClient(configuration: config, auth: .app(credentials))
/// let install = app.installation(42)                            // tokens minted and cached
/// ```
///
/// What every call does, so callers don't have to:
/// - sends `Accept: application/vnd.github+json`, `X-GitHub-Api-Version` and a product `User-Agent`;
/// - checks the primary budget it last saw for (credential, resource); when empty it waits for the
///   reset (``RateLimitPolicy/waitForReset``) or throws ``GitHubError/rateLimited(resource:resetAt:)``
///   (``RateLimitPolicy/failFast``) without spending a request;
/// - honours secondary limits (403/429): `Retry-After`, else 60 s doubling, and every other request
///   of the same credentials waits out the same pause;
/// - keeps at most ``GitHubConfiguration/maxReadsInFlight`` reads per credential in flight;
/// - serialises mutations per credential, ``GitHubConfiguration/mutationSpacing`` apart;
/// - retries idempotent requests (GET, PUT, DELETE) on 5xx, connection errors and timeouts with
///   jittered backoff; never re-sends a POST/PATCH whose outcome is unknown
///   (``GitHubError/mutationOutcomeUnknown(method:path:reason:)``);
/// - makes GETs conditional when asked (``ConditionalMode``); a 304 is not decoded and costs no budget.
public struct GitHubClient: Sendable {
    let core: Core
    /// How this handle authenticates.
    public let auth: GitHubAuth
    /// What this handle does when the budget is gone.
    public let rateLimitPolicy: RateLimitPolicy
    let counter: RequestCounter?

    public var configuration: GitHubConfiguration { core.configuration }
    /// Budgets seen so far, shared by all handles derived from the same client.
    public var rateLimits: RateLimitTracker { core.rateLimits }
    /// The conditional-request store shared by all derived handles.
    public var etagStore: any ETagStore { core.etagStore }
    /// Counts for everything every derived handle did (in addition to any per-call counter).
    public var totals: RequestCounter { core.totals }

    /// - Parameters:
    ///   - httpClient: defaults to `HTTPClient.shared` (keep-alive pool, HTTP/2 where offered); pass
    ///     your own to control TLS or the event loop group. The client never shuts it down.
    public init(
        configuration: GitHubConfiguration = GitHubConfiguration(),
        auth: GitHubAuth,
        etagStore: any ETagStore = InMemoryETagStore(),
        rateLimitPolicy: RateLimitPolicy = .waitForReset,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "github")
    ) {
        self.core = Core(configuration: configuration, etagStore: etagStore, httpClient: httpClient, logger: logger)
        self.auth = auth
        self.rateLimitPolicy = rateLimitPolicy
        self.counter = nil
    }

    init(core: Core, auth: GitHubAuth, rateLimitPolicy: RateLimitPolicy, counter: RequestCounter?) {
        self.core = core
        self.auth = auth
        self.rateLimitPolicy = rateLimitPolicy
        self.counter = counter
    }

    /// The same client with another rate-limit policy (e.g. `.failFast` for desk requests).
    public func with(rateLimitPolicy: RateLimitPolicy) -> GitHubClient {
        GitHubClient(core: core, auth: auth, rateLimitPolicy: rateLimitPolicy, counter: counter)
    }

    /// The same client counting every request into `counter` (e.g. one per sync run).
    public func counting(into counter: RequestCounter) -> GitHubClient {
        GitHubClient(core: core, auth: auth, rateLimitPolicy: rateLimitPolicy, counter: counter)
    }

    /// The same client with other credentials (sharing budgets, ETags and connections).
    public func with(auth: GitHubAuth) -> GitHubClient {
        GitHubClient(core: core, auth: auth, rateLimitPolicy: rateLimitPolicy, counter: counter)
    }

    /// A handle acting as installation `id` of the App this client authenticates as. Its tokens
    /// are minted on first use and cached until a minute before they expire.
    /// - Throws: ``GitHubError/invalidConfiguration(_:)`` unless this client has `.app` or
    ///   `.installation` auth.
    public func installation(_ id: Int64) throws -> GitHubClient {
        switch auth {
        case .app(let app), .installation(_, let app):
            return with(auth: .installation(id: id, app: app))
        case .anonymous, .token:
            throw GitHubError.invalidConfiguration("installation tokens need App credentials (.app auth)")
        }
    }

    /// The last budget GitHub reported for this handle's credentials.
    public func rateLimit(resource: String = "core") async -> RateLimitSnapshot? {
        await core.rateLimits.snapshot(identity: auth.identity, resource: resource)
    }

    // MARK: Sending

    /// Sends one request through the whole policy stack. Non-2xx answers become ``GitHubError``s,
    /// except 304 which returns with ``GitHubResponse/notModified``.
    public func send(_ request: GitHubRequest) async throws -> GitHubResponse {
        let identity = auth.identity
        if request.isMutation {
            await core.mutationGate.acquire(identity)
            do {
                let response = try await sendUnserialised(request, identity: identity)
                await core.mutationGate.release(identity)
                return response
            } catch {
                await core.mutationGate.release(identity)
                throw error
            }
        }
        return try await sendUnserialised(request, identity: identity)
    }

    private func sendUnserialised(_ request: GitHubRequest, identity: String) async throws -> GitHubResponse {
        let config = core.configuration
        let url = request.url(baseURL: config.baseURL)
        let resource = request.effectiveResource()
        let etagKey = request.conditional == .none ? nil : ETagKey(identity: identity, url: url)
        var attempt = 0
        var rateLimitWaits = 0
        var secondaryHits = 0
        var reauthenticated = false

        while true {
            attempt += 1
            try await waitForBudget(identity: identity, resource: resource, waits: &rateLimitWaits)
            // A read holds one of the token's slots for this attempt (given back however it ends).
            let isRead = !request.isMutation
            if isRead { await core.readLanes.acquire(identity) }
            defer { if isRead { core.readLanes.release(identity) } }
            if let until = core.readLanes.pausedUntil(identity, now: config.now()) {
                // A request of this token met a secondary limit: this one waits it out too.
                try await config.sleep(.milliseconds(Int64(max(until.timeIntervalSince(config.now()), 0) * 1000)))
            }

            var http = HTTPClientRequest(url: url)
            http.method = HTTPMethod(rawValue: request.method.rawValue)
            http.headers.add(name: "Accept", value: request.accept ?? "application/vnd.github+json")
            http.headers.add(name: "User-Agent", value: config.userAgent)
            http.headers.add(name: "X-GitHub-Api-Version", value: config.apiVersion)
            if let authorization = try await authorizationHeader() {
                http.headers.add(name: "Authorization", value: authorization)
            }
            var sentValidators: CacheValidators?
            if let etagKey, let stored = try await core.etagStore.validators(for: etagKey), stored.isUsable {
                sentValidators = stored
                if let etag = stored.etag { http.headers.add(name: "If-None-Match", value: etag) }
                if let modified = stored.lastModified { http.headers.add(name: "If-Modified-Since", value: modified) }
            }
            if let body = request.body {
                http.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
                http.body = .bytes(ByteBuffer(data: body))
            }

            record { $0.requests += 1 }
            if resource == "graphql" { record { $0.graphQL += 1 } }
            if attempt > 1 { record { $0.retries += 1 } }

            let status: Int
            let headers: [(String, String)]
            let body: Data
            do {
                let response = try await core.httpClient.execute(http, timeout: .nanoseconds(Int64(config.requestTimeout.nanoseconds)))
                status = Int(response.status.code)
                headers = response.headers.map { ($0.name, $0.value) }
                let buffer = try await response.body.collect(upTo: config.maxResponseBytes)
                body = Data(buffer: buffer)
            } catch {
                let failure = TransportFailure(error)
                core.logger.debug("GitHub transport failure", metadata: [
                    "method": "\(request.method.rawValue)", "url": "\(url)", "reason": "\(failure.reason)",
                ])
                if !request.isIdempotent && !failure.certainlyNotSent {
                    throw GitHubError.mutationOutcomeUnknown(method: request.method.rawValue, path: request.path, reason: failure.reason)
                }
                if attempt < config.retry.maxAttempts {
                    try await config.sleep(config.retry.delay(afterAttempt: attempt))
                    continue
                }
                throw GitHubError.transport(reason: failure.reason)
            }

            let lookup: (String) -> String? = { name in headers.first { $0.0.lowercased() == name }?.1 }
            if let snapshot = RateLimitSnapshot(headers: lookup, defaultResource: resource, observedAt: config.now()) {
                await core.rateLimits.record(snapshot, identity: identity)
            }
            core.logger.debug("GitHub response", metadata: [
                "method": "\(request.method.rawValue)", "url": "\(url)", "status": "\(status)",
            ])

            switch status {
            case 200..<300:
                let validators = CacheValidators(etag: lookup("etag"), lastModified: lookup("last-modified"))
                return GitHubResponse(
                    status: status, headers: headers, body: body, url: url,
                    validators: validators.isUsable ? validators : nil, etagKey: etagKey)
            case 304:
                record { $0.notModified += 1 }
                return GitHubResponse(
                    status: 304, headers: headers, body: Data(), url: url,
                    validators: sentValidators ?? CacheValidators(etag: lookup("etag")), etagKey: etagKey)
            case 401:
                if case .installation(let id, let app) = auth, !reauthenticated {
                    // The cached installation token was revoked or expired early: mint once more.
                    await core.installationTokens.invalidate(installationID: id, issuer: app.issuer)
                    reauthenticated = true
                    attempt -= 1
                    continue
                }
                throw GitHubError.unauthorized(message: Self.errorBody(body)?.message)
            case 403, 429:
                let errorBody = Self.errorBody(body)
                let limit = RateLimitClassifier.classify(status: status, headers: lookup, message: errorBody?.message)
                switch limit {
                case .primary(let resetAt):
                    guard rateLimitPolicy == .waitForReset, rateLimitWaits < config.maxRateLimitWaits else {
                        throw GitHubError.rateLimited(resource: resource, resetAt: resetAt ?? config.now().addingTimeInterval(60))
                    }
                    let wait = try primaryWait(until: resetAt, resource: resource)
                    rateLimitWaits += 1
                    record { $0.rateLimitWaits += 1 }
                    try await config.sleep(wait)
                    await core.rateLimits.markWaited(identity: identity, resource: resource)
                    attempt -= 1
                    continue
                case .secondary(let retryAfter):
                    let wait = retryAfter ?? config.secondaryLimitWait * (1 << min(secondaryHits, 6))
                    guard rateLimitPolicy == .waitForReset, rateLimitWaits < config.maxRateLimitWaits else {
                        throw GitHubError.secondaryRateLimited(retryAfter: wait)
                    }
                    secondaryHits += 1
                    rateLimitWaits += 1
                    record { $0.rateLimitWaits += 1 }
                    // Recorded before this attempt gives its slot back: no other request of the token slips out first.
                    core.readLanes.pause(identity, until: config.now().addingTimeInterval(Double(wait.nanoseconds) / 1e9))
                    try await config.sleep(wait)
                    attempt -= 1
                    continue
                case .notALimit:
                    if status == 429 { throw GitHubError.secondaryRateLimited(retryAfter: config.secondaryLimitWait) }
                    throw GitHubError.forbidden(message: errorBody?.message)
                }
            case 404:
                throw GitHubError.notFound(message: Self.errorBody(body)?.message)
            case 422:
                let errorBody = Self.errorBody(body)
                throw GitHubError.validationFailed(message: errorBody?.message, errors: errorBody?.errors ?? [])
            case 301, 302, 307, 308:
                throw GitHubError.moved(url: Self.errorBody(body)?.url ?? lookup("location"))
            case 500..<600:
                let message = Self.errorBody(body)?.message
                if !request.isIdempotent {
                    throw GitHubError.mutationOutcomeUnknown(
                        method: request.method.rawValue, path: request.path, reason: "HTTP \(status)")
                }
                if attempt < config.retry.maxAttempts {
                    try await config.sleep(config.retry.delay(afterAttempt: attempt))
                    continue
                }
                throw GitHubError.serverError(status: status, message: message)
            default:
                throw GitHubError.clientError(status: status, message: Self.errorBody(body)?.message)
            }
        }
    }

    /// Waits for (or fails on) a budget already known to be empty, without spending a request.
    private func waitForBudget(identity: String, resource: String, waits: inout Int) async throws {
        let config = core.configuration
        guard let resetAt = await core.rateLimits.blockingReset(identity: identity, resource: resource, now: config.now()) else {
            return
        }
        guard rateLimitPolicy == .waitForReset, waits < config.maxRateLimitWaits else {
            throw GitHubError.rateLimited(resource: resource, resetAt: resetAt)
        }
        let wait = try primaryWait(until: resetAt, resource: resource)
        waits += 1
        record { $0.rateLimitWaits += 1 }
        try await config.sleep(wait)
        await core.rateLimits.markWaited(identity: identity, resource: resource)
    }

    /// Time until `resetAt` plus a second of slack; refuses waits beyond ``GitHubConfiguration/maxPrimaryWait``.
    private func primaryWait(until resetAt: Date?, resource: String) throws -> Duration {
        let config = core.configuration
        guard let resetAt else { return config.secondaryLimitWait }
        let seconds = max(resetAt.timeIntervalSince(config.now()), 0) + 1
        let wait = Duration.milliseconds(Int64(seconds * 1000))
        if wait > config.maxPrimaryWait { throw GitHubError.rateLimited(resource: resource, resetAt: resetAt) }
        return wait
    }

    private func authorizationHeader() async throws -> String? {
        switch auth {
        case .anonymous:
            return nil
        case .token(let token):
            return "Bearer \(token.rawValue)"
        case .app(let app):
            return "Bearer \(try app.makeJWT(now: core.configuration.now()))"
        case .installation(let id, let app):
            let appClient = with(auth: .app(app))
            let token = try await core.installationTokens.token(installationID: id, issuer: app.issuer) {
                try await appClient.createInstallationToken(installationID: id)
            }
            return "Bearer \(token.rawValue)"
        }
    }

    func record(_ change: (inout RequestCounter.Counts) -> Void) {
        core.totals.update(change)
        counter?.update(change)
    }

    static func errorBody(_ body: Data) -> GitHubErrorBody? {
        try? JSONDecoder().decode(GitHubErrorBody.self, from: body)
    }
}

extension GitHubClient {
    /// State shared by every handle derived from one ``GitHubClient/init(configuration:auth:etagStore:rateLimitPolicy:httpClient:logger:)``.
    final class Core: Sendable {
        let configuration: GitHubConfiguration
        let etagStore: any ETagStore
        let httpClient: HTTPClient
        let logger: Logger
        let rateLimits = RateLimitTracker()
        let mutationGate: MutationGate
        let readLanes: ReadLanes
        let installationTokens: InstallationTokenCache
        let totals = RequestCounter()

        init(configuration: GitHubConfiguration, etagStore: any ETagStore, httpClient: HTTPClient, logger: Logger) {
            self.configuration = configuration
            self.etagStore = etagStore
            self.httpClient = httpClient
            self.logger = logger
            self.mutationGate = MutationGate(spacing: configuration.mutationSpacing)
            self.readLanes = ReadLanes(limit: configuration.maxReadsInFlight)
            self.installationTokens = InstallationTokenCache(now: configuration.now)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
