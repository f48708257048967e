import Crypto
import Foundation
import GitHub

/// The in-memory GitHub: data, budgets, faults, the request log, and the request pipeline.
///
/// Tests drive it in-process (``FakeGitHubServer`` puts it on loopback HTTP) and inspect it through
/// ``requestLog()``, ``deliveries()`` and the mutation helpers; out-of-process users read
/// `GET /_fake/log`. Every answer is derived from the current state, so ETags change exactly when
/// the data behind a URL changes.
public actor FakeGitHubState {
    public nonisolated let options: FakeGitHubOptions

    var users: [String: FakeUser] = [:]
    var organizations: [String: FakeOrganization] = [:]
    var repositories: [String: FakeRepository] = [:]
    var repositoryOrder: [String] = []
    var tokens: [String: TokenGrant] = [:]
    var apps: [Int64: FakeApp] = [:]
    var log: [FakeRequestLogEntry] = []
    var faults: [FaultSlot] = []
    var buckets: [String: Bucket] = [:]
    var webhookDeliveries: [FakeWebhookDelivery] = []
    /// Blobs, trees and commits (history), so old commits stay readable after a push.
    var git = FakeGitObjects()
    /// Web-flow authorization codes (single use) → the login they were issued to.
    var oauthCodes: [String: String] = [:]
    var nextID: Int64 = 9_000_000
    /// Bumped on every change; part of the response-cache key.
    var version = 0
    var renderCache: [String: (version: Int, response: FakeHTTPResponse)] = [:]
    var listCache: [String: (version: Int, items: [FakeIssue])] = [:]
    /// Answers held back by ``FakeFault/Kind/applyThenHang(upTo:)``, by log id (see `+Withheld`).
    var withheldAnswers: [Int: CheckedContinuation<Void, Never>] = [:]
    /// Set when the server stops: nothing is held back any more.
    var withholdingStopped = false
    /// `http://127.0.0.1:PORT` once the server is bound (used in `url` fields and `Link` headers).
    public private(set) var publicBaseURL = "http://127.0.0.1"

    struct TokenGrant {
        var login: String
        var installationID: Int64?
        var expiresAt: Date?
    }

    struct Bucket {
        var limit: Int
        var used: Int
        var resetAt: Date
    }

    struct FaultSlot {
        var fault: FakeFault
        var seen = 0
        var applied = 0
    }

    public init(seed: FakeSeed = FakeSeed(), options: FakeGitHubOptions = FakeGitHubOptions()) {
        self.options = options
        for user in seed.users { users[user.login.lowercased()] = user }
        for org in seed.organizations {
            organizations[org.login.lowercased()] = org
            if users[org.login.lowercased()] == nil {
                users[org.login.lowercased()] = FakeUser(id: org.id, login: org.login, type: "Organization")
            }
        }
        for repo in seed.repositories {
            let key = repo.fullName.lowercased()
            repositories[key] = repo
            repositoryOrder.append(key)
        }
        for token in seed.tokens { tokens[token.token] = TokenGrant(login: token.login) }
        for app in seed.apps { apps[app.id] = app }
    }

    // MARK: Test-facing API

    /// Everything seen so far, oldest first.
    public func requestLog() -> [FakeRequestLogEntry] { log }

    public func clearRequestLog() { log.removeAll() }

    /// Webhooks sent so far (with the receiver's status once known).
    public func deliveries() -> [FakeWebhookDelivery] { webhookDeliveries }

    /// Adds a fault for matching requests.
    public func inject(_ fault: FakeFault) { faults.append(FaultSlot(fault: fault)) }

    public func clearFaults() { faults.removeAll() }

    /// Registers a token as belonging to `login`.
    public func addToken(_ token: String, login: String) { tokens[token] = TokenGrant(login: login) }

    /// Budget left for a login (or `installation:<id>`) and resource.
    public func remainingBudget(identity: String, resource: String = "core") -> Int {
        let bucket = currentBucket(identity: identity, resource: resource)
        return bucket.limit - bucket.used
    }

    /// Sets the budget left (e.g. 0 to exhaust it) with the reset `resetIn` seconds from now.
    public func setBudget(identity: String, resource: String = "core", remaining: Int, resetIn: TimeInterval? = nil) {
        var bucket = currentBucket(identity: identity, resource: resource)
        bucket.used = max(bucket.limit - remaining, 0)
        if let resetIn { bucket.resetAt = options.now().addingTimeInterval(resetIn) }
        buckets[bucketKey(identity, resource)] = bucket
    }

    public func repository(_ fullName: String) -> FakeRepository? { repositories[fullName.lowercased()] }

    /// Full names of the repositories, in seed order.
    public func repositoryNames() -> [String] { repositoryOrder.compactMap { repositories[$0]?.fullName } }

    /// Changes an issue or PR as if someone did it on GitHub (bumps `updated_at`, emits no webhook).
    public func updateIssue(_ fullName: String, number: Int, _ change: @Sendable (inout FakeIssue) -> Void) {
        guard var repo = repositories[fullName.lowercased()], let index = repo.issues.firstIndex(where: { $0.number == number }) else { return }
        change(&repo.issues[index])
        repo.issues[index].updatedAt = options.now()
        repositories[fullName.lowercased()] = repo
        version += 1
    }

    /// Adds or replaces a repository.
    public func upsertRepository(_ repository: FakeRepository) {
        let key = repository.fullName.lowercased()
        if repositories[key] == nil { repositoryOrder.append(key) }
        repositories[key] = repository
        // The seed state is recorded again (as the branches' commits) on the next git read.
        git.recorded.remove(key)
        for branch in repository.branches { git.commits[branch.sha] = nil }
        version += 1
    }

    func setPublicBaseURL(_ url: String) { publicBaseURL = url }

    /// `publicBaseURL` + prefix: what clients use as their REST base.
    public var apiBaseURL: String { publicBaseURL + options.pathPrefix }

    // MARK: Pipeline steps (called by the server, in order)

    func logArrival(_ request: FakeHTTPRequest) -> Int {
        let entry = FakeRequestLogEntry(
            id: log.count + 1, method: request.method, path: request.target, status: nil,
            conditional: request.header("if-none-match") != nil || request.header("if-modified-since") != nil,
            identity: nil, chargedResource: nil, receivedAt: options.now(), completedAt: nil,
            body: request.body.isEmpty ? nil : String(decoding: request.body, as: UTF8.self))
        log.append(entry)
        return entry.id
    }

    func logCompletion(id: Int, status: Int, identity: String?, charged: String?) {
        guard log.indices.contains(id - 1) else { return }
        log[id - 1].status = status
        log[id - 1].identity = identity
        log[id - 1].chargedResource = charged
        log[id - 1].completedAt = options.now()
    }

    /// The first fault that applies to this request, consuming one use of it.
    func takeFault(method: String, path: String, query: String = "") -> FakeFault.Kind? {
        for index in faults.indices where faults[index].fault.matches(method: method, path: path, query: query) {
            faults[index].seen += 1
            if faults[index].seen > faults[index].fault.skip, faults[index].applied < faults[index].fault.times {
                faults[index].applied += 1
                return faults[index].fault.kind
            }
        }
        return nil
    }

    func recordDelivery(_ delivery: FakeWebhookDelivery) { webhookDeliveries.append(delivery) }

    // MARK: Request handling

    struct Outcome {
        var response: FakeHTTPResponse
        var identity: String?
        var charged: String?
        var webhooks: [OutgoingWebhook] = []
    }

    /// Handles one request after latency and delay faults have been applied.
    func respond(to request: FakeHTTPRequest, fault: FakeFault.Kind?) -> Outcome {
        var path = request.path
        let prefix = options.pathPrefix
        let isFake = path.hasPrefix("/_fake/") || path.hasPrefix(prefix + "/_fake/")
        if isFake {
            return Outcome(response: fakeControl(request, path: path.hasPrefix(prefix + "/_fake/") ? String(path.dropFirst(prefix.count)) : path))
        }
        if !prefix.isEmpty {
            if path == "/api/graphql", prefix == "/api/v3" {
                path = "/graphql"
            } else if path.hasPrefix(prefix + "/") {
                path = String(path.dropFirst(prefix.count))
            } else {
                return Outcome(response: .error(404, "Not Found"))
            }
        }

        switch fault {
        case .status(let status, let message)?:
            return Outcome(response: .error(status, message))
        case .secondaryLimit(let retryAfter, let status)?:
            var headers: [(String, String)] = []
            if let retryAfter { headers.append(("Retry-After", String(retryAfter))) }
            return Outcome(response: .error(
                status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                headers: headers))
        case .delay?, .applyThenHang?, nil:
            break
        }

        let segments = path.split(separator: "/").map(String.init)
        guard let route = FakeRoute.resolve(method: request.method, segments: segments) else {
            return Outcome(response: .error(404, "Not Found"))
        }

        // Authentication.
        let caller: Caller
        switch authenticate(request, route: route) {
        case .success(let authenticated): caller = authenticated
        case .failure(let refusal): return Outcome(response: refusal.response)
        }

        // Primary budget.
        let resource = route.resource
        var rateHeaders: [(String, String)] = []
        if let resource {
            let bucket = currentBucket(identity: caller.identity, resource: resource)
            if bucket.used >= bucket.limit {
                return Outcome(
                    response: .error(
                        403, "API rate limit exceeded for \(caller.identity).",
                        headers: rateLimitHeaders(bucket, resource: resource)),
                    identity: caller.identity)
            }
        }

        var result = handle(route, request: request, caller: caller)
        var charged: String?
        if let resource {
            let etag = result.response.status == 200 && request.method == "GET" ? Self.etag(for: result.response.body) : nil
            if let etag {
                result.response.headers.append(("ETag", etag))
                result.response.headers.append(("Cache-Control", "private, max-age=60, s-maxage=60"))
                result.response.headers.append(("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"))
            }
            if let etag, let ifNoneMatch = request.header("if-none-match"), Self.etagMatches(ifNoneMatch, etag) {
                let keep = result.response.headers.filter { name, _ in
                    let lower = name.lowercased()
                    return lower == "etag" || lower == "cache-control" || lower == "vary"
                        || (options.linkHeaderOn304 && lower == "link")
                }
                result.response = FakeHTTPResponse(status: 304, headers: keep)
            } else {
                var bucket = currentBucket(identity: caller.identity, resource: resource)
                bucket.used += 1
                buckets[bucketKey(caller.identity, resource)] = bucket
                charged = resource
            }
            rateHeaders = rateLimitHeaders(currentBucket(identity: caller.identity, resource: resource), resource: resource)
        }
        result.response.headers.append(contentsOf: rateHeaders)
        result.response.headers.append(("X-GitHub-Api-Version-Selected", "2022-11-28"))
        result.response.headers.append(("X-GitHub-Request-Id", "FAKE:\(log.count)"))
        return Outcome(response: result.response, identity: caller.identity, charged: charged, webhooks: result.webhooks)
    }

    // MARK: Budget

    func bucketKey(_ identity: String, _ resource: String) -> String { identity + "\u{0}" + resource }

    func currentBucket(identity: String, resource: String) -> Bucket {
        let now = options.now()
        if let bucket = buckets[bucketKey(identity, resource)], bucket.resetAt > now { return bucket }
        let limit = resource == "graphql" ? options.graphQLRateLimit : options.rateLimit
        let fresh = Bucket(limit: limit, used: 0, resetAt: now.addingTimeInterval(options.rateLimitWindow))
        buckets[bucketKey(identity, resource)] = fresh
        return fresh
    }

    func rateLimitHeaders(_ bucket: Bucket, resource: String) -> [(String, String)] {
        [
            ("X-RateLimit-Limit", String(bucket.limit)),
            ("X-RateLimit-Remaining", String(max(bucket.limit - bucket.used, 0))),
            ("X-RateLimit-Used", String(bucket.used)),
            ("X-RateLimit-Reset", String(Int64(bucket.resetAt.timeIntervalSince1970.rounded(.up)))),
            ("X-RateLimit-Resource", resource),
        ]
    }

    // MARK: ETags

    /// Weak ETag from the body's SHA-256, as GitHub's are weak.
    static func etag(for body: Data) -> String {
        let digest = SHA256.hash(data: body)
        return "W/\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    static func etagMatches(_ header: String, _ etag: String) -> Bool {
        func strip(_ tag: Substring) -> Substring {
            let trimmed = tag.trimmingCharacters(in: .whitespaces)
            return Substring(trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed)
        }
        let target = strip(Substring(etag))
        return header.split(separator: ",").contains { strip($0) == target || strip($0) == "*" }
    }

    // MARK: Control endpoints

    func fakeControl(_ request: FakeHTTPRequest, path: String) -> FakeHTTPResponse {
        let encoder = FakeSeed.encoder()
        switch (request.method, path) {
        case ("GET", "/_fake/log"):
            return .json(200, (try? encoder.encode(log)) ?? Data())
        case ("DELETE", "/_fake/log"):
            log.removeAll()
            return .noContent
        case ("GET", "/_fake/webhooks"):
            return .json(200, (try? encoder.encode(webhookDeliveries)) ?? Data())
        default:
            return .error(404, "Not Found")
        }
    }

    func newID() -> Int64 {
        nextID += 1
        return nextID
    }
}
