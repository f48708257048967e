/// A GitHub App installation. In most webhooks `installation` is only `{id, node_id}`; the full
/// object comes with `installation` / `installation_repositories` events and `GET /app/installations/{id}`.
/// Its timestamps are epochs in some payloads and offset ISO strings in others.
public struct GitHubInstallation: Sendable, Hashable, Codable {
    public var id: Int64
    public var nodeID: String?
    public var account: GitHubUser?
    public var appID: Int64?
    public var appSlug: String?
    public var clientID: String?
    public var targetID: Int64?
    public var targetType: String?
    public var repositorySelection: String?
    public var permissions: [String: String]?
    public var events: [String]?
    public var htmlURL: String?
    public var accessTokensURL: String?
    public var createdAt: GitHubDate?
    public var updatedAt: GitHubDate?
    public var suspendedAt: GitHubDate?
    public var suspendedBy: GitHubUser?

    public init(id: Int64, account: GitHubUser?, appID: Int64?) {
        self.id = id
        self.account = account
        self.appID = appID
    }

    enum CodingKeys: String, CodingKey {
        case id, account, permissions, events
        case nodeID = "node_id"
        case appID = "app_id"
        case appSlug = "app_slug"
        case clientID = "client_id"
        case targetID = "target_id"
        case targetType = "target_type"
        case repositorySelection = "repository_selection"
        case htmlURL = "html_url"
        case accessTokensURL = "access_tokens_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case suspendedAt = "suspended_at"
        case suspendedBy = "suspended_by"
    }
}

/// `POST /app/installations/{id}/access_tokens` → 201. Lives one hour.
/// The token is a ``GitHubToken`` so it never prints.
public struct GitHubInstallationToken: Sendable, Hashable, Codable {
    public var token: GitHubToken
    public var expiresAt: GitHubDate
    public var permissions: [String: String]?
    public var repositorySelection: String?
    public var repositories: [GitHubRepository]?

    public init(token: GitHubToken, expiresAt: GitHubDate, permissions: [String: String]? = nil) {
        self.token = token
        self.expiresAt = expiresAt
        self.permissions = permissions
    }

    enum CodingKeys: String, CodingKey {
        case token, permissions, repositories
        case expiresAt = "expires_at"
        case repositorySelection = "repository_selection"
    }
}

/// `GET /rate_limit`. `reset` is an epoch. Calling it costs nothing against the core budget.
public struct GitHubRateLimitOverview: Sendable, Hashable, Codable {
    public struct Resource: Sendable, Hashable, Codable {
        public var limit: Int
        public var remaining: Int
        public var reset: GitHubDate
        public var used: Int?
        public var resource: String?

        public init(limit: Int, remaining: Int, reset: GitHubDate, used: Int?, resource: String?) {
            self.limit = limit
            self.remaining = remaining
            self.reset = reset
            self.used = used
            self.resource = resource
        }
    }

    public var resources: [String: Resource]
    public var rate: Resource?

    public init(resources: [String: Resource], rate: Resource?) {
        self.resources = resources
        self.rate = rate
    }
}

/// GitHub's error body: `{message, documentation_url, errors?}`. `errors` items are usually
/// `{resource, code, field}` objects but can be plain strings; both decode.
public struct GitHubErrorBody: Sendable, Hashable, Codable {
    public var message: String?
    public var documentationURL: String?
    public var errors: [GitHubValidationError]?
    /// The new location after a rename (301 body).
    public var url: String?

    public init(message: String?, errors: [GitHubValidationError]? = nil) {
        self.message = message
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey {
        case message, errors, url
        case documentationURL = "documentation_url"
    }
}

/// One entry of a 422's `errors[]`, e.g. `{resource: "Label", code: "invalid", field: "color"}`.
public struct GitHubValidationError: Sendable, Hashable, Codable {
    public var resource: String?
    /// `missing`, `missing_field`, `invalid`, `already_exists`, `unprocessable` or `custom`.
    public var code: String?
    public var field: String?
    public var message: String?

    public init(resource: String?, code: String?, field: String?, message: String? = nil) {
        self.resource = resource
        self.code = code
        self.field = field
        self.message = message
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self.init(resource: nil, code: "custom", field: nil, message: text)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            resource: try container.decodeIfPresent(String.self, forKey: .resource),
            code: try container.decodeIfPresent(String.self, forKey: .code),
            field: try container.decodeIfPresent(String.self, forKey: .field),
            message: try container.decodeIfPresent(String.self, forKey: .message))
    }

    enum CodingKeys: String, CodingKey { case resource, code, field, message }
}
