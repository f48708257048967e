/// A repository, as REST lists and webhook payloads carry it.
///
/// The same type decodes the five-key stubs of `installation.repositories`
/// (`{id, node_id, name, full_name, private}`), so everything but `id` and `name` is optional.
public struct GitHubRepository: Sendable, Hashable, Codable {
    public var id: Int64
    public var nodeID: String?
    public var name: String
    public var fullName: String?
    public var owner: GitHubUser?
    public var `private`: Bool?
    public var htmlURL: String?
    public var description: String?
    public var fork: Bool?
    public var url: String?
    public var defaultBranch: String?
    /// Only in `push` payloads (the default branch under its old name).
    public var masterBranch: String?
    public var visibility: String?
    public var archived: Bool?
    public var disabled: Bool?
    public var language: String?
    public var topics: [String]?
    public var hasIssues: Bool?
    public var openIssuesCount: Int?
    public var size: Int?
    /// Integer epochs in `push` payloads, ISO strings elsewhere; `GitHubDate` takes both.
    public var createdAt: GitHubDate?
    public var updatedAt: GitHubDate?
    public var pushedAt: GitHubDate?
    public var permissions: GitHubPermissions?

    public init(id: Int64, name: String, owner: GitHubUser?, fullName: String? = nil) {
        self.id = id
        self.name = name
        self.owner = owner
        self.fullName = fullName ?? owner.map { "\($0.login)/\(name)" }
    }

    /// The owner's login, from `owner` or else from `full_name`.
    public var ownerLogin: String? {
        owner?.login ?? fullName?.split(separator: "/").first.map(String.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, owner, `private`, description, fork, url, visibility, archived, disabled, language, topics, size
        case permissions
        case nodeID = "node_id"
        case fullName = "full_name"
        case htmlURL = "html_url"
        case defaultBranch = "default_branch"
        case masterBranch = "master_branch"
        case hasIssues = "has_issues"
        case openIssuesCount = "open_issues_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case pushedAt = "pushed_at"
    }
}

/// `permissions{pull,triage,push,maintain,admin}` on repositories and collaborators.
public struct GitHubPermissions: Sendable, Hashable, Codable {
    public var pull: Bool?
    public var triage: Bool?
    public var push: Bool?
    public var maintain: Bool?
    public var admin: Bool?

    public init(pull: Bool? = nil, triage: Bool? = nil, push: Bool? = nil, maintain: Bool? = nil, admin: Bool? = nil) {
        self.pull = pull
        self.triage = triage
        self.push = push
        self.maintain = maintain
        self.admin = admin
    }

    /// The strongest role these flags grant, in GitHub's vocabulary (`admin`, `maintain`, `push`, ...).
    public var highestRole: String? {
        if admin == true { return "admin" }
        if maintain == true { return "maintain" }
        if push == true { return "push" }
        if triage == true { return "triage" }
        if pull == true { return "pull" }
        return nil
    }
}

/// `GET /repos/{o}/{r}/branches` item.
public struct GitHubBranch: Sendable, Hashable, Codable {
    public struct Commit: Sendable, Hashable, Codable {
        public var sha: String
        public var url: String?
        public init(sha: String, url: String? = nil) {
            self.sha = sha
            self.url = url
        }
    }

    public var name: String
    public var commit: Commit
    public var protected: Bool?

    public init(name: String, commit: Commit, protected: Bool? = false) {
        self.name = name
        self.commit = commit
        self.protected = protected
    }
}

/// A collaborator (`GET /repos/{o}/{r}/collaborators`): a user plus the permission flags.
public struct GitHubCollaborator: Sendable, Hashable, Codable {
    public var id: Int64
    public var login: String
    public var type: String?
    public var siteAdmin: Bool?
    public var htmlURL: String?
    public var permissions: GitHubPermissions?
    public var roleName: String?

    public init(id: Int64, login: String, permissions: GitHubPermissions?, roleName: String?) {
        self.id = id
        self.login = login
        self.type = "User"
        self.permissions = permissions
        self.roleName = roleName
    }

    enum CodingKeys: String, CodingKey {
        case id, login, type, permissions
        case siteAdmin = "site_admin"
        case htmlURL = "html_url"
        case roleName = "role_name"
    }
}

/// A team (`GET /orgs/{org}/teams`).
public struct GitHubTeam: Sendable, Hashable, Codable {
    public var id: Int64
    public var nodeID: String?
    public var name: String?
    public var slug: String
    public var description: String?
    public var privacy: String?
    public var permission: String?
    public var htmlURL: String?

    public init(id: Int64, name: String, slug: String, description: String? = nil, permission: String? = "pull") {
        self.id = id
        self.name = name
        self.slug = slug
        self.description = description
        self.privacy = "closed"
        self.permission = permission
    }

    enum CodingKeys: String, CodingKey {
        case id, name, slug, description, privacy, permission
        case nodeID = "node_id"
        case htmlURL = "html_url"
    }
}

/// The answer to `PUT /repos/{o}/{r}/collaborators/{u}` when GitHub had to invite the user (201).
/// A 204 (already a collaborator) has no body.
public struct GitHubInvitation: Sendable, Hashable, Codable {
    public var id: Int64
    public var invitee: GitHubUser?
    public var inviter: GitHubUser?
    public var permissions: String?
    public var createdAt: GitHubDate?
    public var htmlURL: String?
    public var repository: GitHubRepository?

    enum CodingKeys: String, CodingKey {
        case id, invitee, inviter, permissions, repository
        case createdAt = "created_at"
        case htmlURL = "html_url"
    }
}
