import Crypto
import Foundation
import Frappe
import GitHub
import Logging

/// Conditional-request validators kept in the site (`GitHub ETag`), so a re-sync after a restart
/// is still answered 304. Keys are a SHA-256 of the credential identity and URL: no token is stored.
public struct SiteETagStore: ETagStore {
    let site: Site

    public init(site: Site) { self.site = site }

    static func key(_ k: ETagKey) -> String {
        SHA256.hash(data: Data("\(k.identity)\n\(k.url)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public func validators(for key: ETagKey) async throws -> CacheValidators? {
        let name = Self.key(key)
        return try await site.read { r -> CacheValidators? in
            guard let doc = try r.get("GitHub ETag", name) else { return nil }
            return CacheValidators(etag: doc["etag"].string, lastModified: doc["last_modified"].string,
                                   nextURL: doc["next_url"].string, itemCount: doc["item_count"].int)
        }
    }

    public func store(_ validators: CacheValidators, for key: ETagKey) async throws {
        let doc = Document("GitHub ETag", name: Self.key(key), [
            "cache_key": .string(Self.key(key)), "url": .string(key.url), "etag": .optional(validators.etag),
            "last_modified": .optional(validators.lastModified), "next_url": .optional(validators.nextURL),
            "item_count": validators.itemCount.map { .int($0) } ?? .null,
        ])
        try await site.write(user: "Administrator") { try $0.upsert([doc]) }
    }

    public func remove(_ key: ETagKey) async throws {
        let name = Self.key(key)
        try await site.write(user: "Administrator") { w in
            if try w.get("GitHub ETag", name) != nil { try w.delete("GitHub ETag", name) }
        }
    }
}

/// One GitHub client per site, built from GitHub Settings and rebuilt when they change, so all
/// of a site's calls share one rate-limit budget, one connection pool and one ETag store.
public actor GitHubConnections {
    private var clients: [String: (fingerprint: String, client: GitHubClient)] = [:]
    private let tuning: @Sendable (inout GitHubConfiguration) -> Void

    /// `tuning` adjusts every client's configuration (timeouts, spacing): for tests and benchmarks
    /// that cannot wait GitHub's real 30 s; production uses the defaults.
    public init(tuning: @escaping @Sendable (inout GitHubConfiguration) -> Void = { _ in }) {
        self.tuning = tuning
    }

    public func client(for site: Site) async throws -> GitHubClient {
        let (token, baseURL, graphQL) = try await site.read { r -> (String?, String, String?) in
            let settings = try r.getSingle("GitHub Settings")
            let token = try r.getPassword("GitHub Settings", "GitHub Settings", "personal_access_token")
            let base = settings["api_base_url"].string.flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.github.com"
            return (token, base, settings["graphql_url"].string.flatMap { $0.isEmpty ? nil : $0 })
        }
        guard let token, !token.isEmpty else {
            throw FrappeError.validation("Set a Personal Access Token in GitHub Settings first")
        }
        let fingerprint = SHA256.hash(data: Data("\(token)\n\(baseURL)\n\(graphQL ?? "")".utf8)).map { String(format: "%02x", $0) }.joined()
        if let cached = clients[site.name], cached.fingerprint == fingerprint { return cached.client }
        var configuration = GitHubConfiguration(baseURL: baseURL, graphQLURL: graphQL)
        tuning(&configuration)
        let client = GitHubClient(configuration: configuration,
                                  auth: .token(GitHubToken(token)), etagStore: SiteETagStore(site: site))
        clients[site.name] = (fingerprint, client)
        return client
    }
}

/// GitHub errors as the Frappe errors a desk user sees (never with a token in them).
extension FrappeError {
    public init(github error: Error) {
        switch error {
        case let e as FrappeError: self = e
        case let e as GitHubError:
            switch e {
            case .rateLimited(_, let resetAt):
                let seconds = max(0, Int(resetAt.timeIntervalSinceNow.rounded(.up)))
                self = FrappeError(.tooManyRequestsError, "GitHub's rate limit is used up; try again in \(seconds) s",
                                   extras: ["retry_after": String(seconds)])
            case .secondaryRateLimited(let retryAfter):
                let seconds = Int(retryAfter.components.seconds)
                self = FrappeError(.tooManyRequestsError, "GitHub asked us to slow down; try again in \(seconds) s",
                                   extras: ["retry_after": String(seconds)])
            case .unauthorized: self = .validation("GitHub rejected the token in GitHub Settings (401)")
            case .notFound: self = .notFound("Not found on GitHub (or the token cannot see it)")
            case .forbidden: self = .permission("GitHub refused this request for the token in GitHub Settings (403)")
            case .validationFailed: self = .validation("GitHub rejected the request: \(e)")
            case .unreadableResponse(let url, let expected, let detail):
                // The decoder's account is for whoever reads the log, once; the desk gets what failed.
                GitHubErrorLog.logger.error("GitHub's answer to \(url) was not understood (expected \(expected)): \(detail)")
                self = FrappeError(.validationError, "GitHub's answer to \(GitHubErrorLog.requestName(url)) was not understood (it is not what GitHub normally sends for this request). The details are in the sidecar log.",
                                   title: "GitHub Error")
            default: self = .validation("GitHub request failed: \(e)")
            }
        default:
            // The site's database failing under a GitHub call is the database's answer (503 when
            // it is away), not GitHub's.
            self = FrappeError(database: error) ?? .internalError("GitHub request failed")
        }
    }
}

/// Where GitHub failures the desk sees only in short are written in full.
enum GitHubErrorLog {
    static let logger = Logger(label: "github-sidecar.github")

    /// The request as a person reads it: the URL's path (`/repos/octo/hello/issues`), without host or query.
    static func requestName(_ url: String) -> String {
        guard let components = URLComponents(string: url), !components.path.isEmpty else { return "a GitHub request" }
        return components.path
    }
}
