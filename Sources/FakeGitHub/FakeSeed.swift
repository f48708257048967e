import Foundation
import GitHub

/// FakeGitHub's state as data: what `--seed FILE` reads and the generator writes.
///
/// Our own format (camelCase, compact), not GitHub's: GitHub-shaped JSON is rendered from it on each
/// request. Only `repositories` is needed; unknown logins become users on the fly with stable ids.
public struct FakeSeed: Codable, Sendable {
    public var users: [FakeUser]
    public var organizations: [FakeOrganization]
    public var repositories: [FakeRepository]
    /// Tokens the fake accepts, and whose they are.
    public var tokens: [FakeToken]
    /// GitHub Apps (for JWT and installation-token endpoints).
    public var apps: [FakeApp]

    public init(users: [FakeUser] = [], organizations: [FakeOrganization] = [], repositories: [FakeRepository] = [],
                tokens: [FakeToken] = [], apps: [FakeApp] = []) {
        self.users = users
        self.organizations = organizations
        self.repositories = repositories
        self.tokens = tokens
        self.apps = apps
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        users = try c.decodeIfPresent([FakeUser].self, forKey: .users) ?? []
        organizations = try c.decodeIfPresent([FakeOrganization].self, forKey: .organizations) ?? []
        repositories = try c.decodeIfPresent([FakeRepository].self, forKey: .repositories) ?? []
        tokens = try c.decodeIfPresent([FakeToken].self, forKey: .tokens) ?? []
        apps = try c.decodeIfPresent([FakeApp].self, forKey: .apps) ?? []
    }

    enum CodingKeys: String, CodingKey { case users, organizations, repositories, tokens, apps }

    public static func load(path: String) throws -> FakeSeed {
        try decoder().decode(FakeSeed.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Seeds store dates as ISO-8601 strings.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

public struct FakeUser: Codable, Sendable, Hashable {
    public var id: Int64
    public var login: String
    public var name: String?
    /// The public profile e-mail (what `in:email` search and GraphQL `email` see).
    public var email: String?
    public var type: String?
    public var bio: String?
    public var location: String?
    public var company: String?

    public init(id: Int64, login: String, name: String? = nil, email: String? = nil, type: String? = "User",
                bio: String? = nil, location: String? = nil, company: String? = nil) {
        self.id = id
        self.login = login
        self.name = name
        self.email = email
        self.type = type
        self.bio = bio
        self.location = location
        self.company = company
    }
}

public struct FakeToken: Codable, Sendable, Hashable {
    public var token: String
    public var login: String
    public init(token: String, login: String) {
        self.token = token
        self.login = login
    }
}

public struct FakeOrganization: Codable, Sendable {
    public var id: Int64
    public var login: String
    public var teams: [FakeTeam]

    public init(id: Int64, login: String, teams: [FakeTeam] = []) {
        self.id = id
        self.login = login
        self.teams = teams
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        login = try c.decode(String.self, forKey: .login)
        teams = try c.decodeIfPresent([FakeTeam].self, forKey: .teams) ?? []
    }

    enum CodingKeys: String, CodingKey { case id, login, teams }
}

public struct FakeTeam: Codable, Sendable {
    public var id: Int64
    public var slug: String
    public var name: String
    public var description: String?
    public var members: [String]?
    /// `owner/repo` → permission.
    public var repositories: [String: String]?

    public init(id: Int64, slug: String, name: String, description: String? = nil, members: [String] = [], repositories: [String: String] = [:]) {
        self.id = id
        self.slug = slug
        self.name = name
        self.description = description
        self.members = members
        self.repositories = repositories
    }
}

public struct FakeApp: Codable, Sendable {
    public var id: Int64
    public var clientID: String?
    public var slug: String?
    /// PEM of the App's RSA public key (`BEGIN PUBLIC KEY`), used to verify App JWTs.
    public var publicKeyPEM: String
    public var installations: [FakeInstallation]
    /// Where the App's deliveries go (`installation`, `installation_repositories`, and `push` for
    /// repositories an installation covers), signed with ``webhookSecret``.
    public var webhookURL: String?
    public var webhookSecret: String?
    /// For the web flow's code exchange (`POST /login/oauth/access_token`).
    public var clientSecret: String?

    public init(id: Int64, clientID: String? = nil, slug: String? = nil, publicKeyPEM: String, installations: [FakeInstallation] = [],
                webhookURL: String? = nil, webhookSecret: String? = nil, clientSecret: String? = nil) {
        self.clientSecret = clientSecret
        self.id = id
        self.clientID = clientID
        self.slug = slug
        self.publicKeyPEM = publicKeyPEM
        self.installations = installations
        self.webhookURL = webhookURL
        self.webhookSecret = webhookSecret
    }
}

public struct FakeInstallation: Codable, Sendable {
    public var id: Int64
    public var account: String
    /// `owner/repo` names, or nil for all repositories.
    public var repositories: [String]?
    public var suspended: Bool?
    /// Logins besides the account itself that `GET /user/installations` shows it to (org admins).
    public var members: [String]?
    /// When it was installed (`created_at`); seeds without one show 2023-11-14.
    public var createdAt: Date?

    public init(id: Int64, account: String, repositories: [String]? = nil, suspended: Bool? = nil, members: [String]? = nil,
                createdAt: Date? = nil) {
        self.id = id
        self.account = account
        self.repositories = repositories
        self.suspended = suspended
        self.members = members
        self.createdAt = createdAt
    }
}

public struct FakeRepository: Codable, Sendable {
    public var id: Int64
    public var owner: String
    public var name: String
    public var `private`: Bool
    public var description: String?
    public var defaultBranch: String
    public var createdAt: Date
    public var updatedAt: Date
    public var pushedAt: Date?
    public var branches: [FakeBranch]
    /// Issues and pull requests, sharing one number sequence as on GitHub.
    public var issues: [FakeIssue]
    public var collaborators: [FakeCollaborator]
    public var hooks: [FakeHook]
    /// The default branch's files (path → UTF-8 content), served as git trees and blobs.
    public var files: [String: String]

    public init(id: Int64, owner: String, name: String, private: Bool = false, description: String? = nil,
                defaultBranch: String = "main", createdAt: Date, updatedAt: Date? = nil,
                branches: [FakeBranch] = [], issues: [FakeIssue] = [], collaborators: [FakeCollaborator] = [],
                hooks: [FakeHook] = [], files: [String: String] = [:]) {
        self.id = id
        self.owner = owner
        self.name = name
        self.private = `private`
        self.description = description
        self.defaultBranch = defaultBranch
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.pushedAt = updatedAt ?? createdAt
        self.branches = branches
        self.issues = issues
        self.collaborators = collaborators
        self.hooks = hooks
        self.files = files
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        owner = try c.decode(String.self, forKey: .owner)
        name = try c.decode(String.self, forKey: .name)
        `private` = try c.decodeIfPresent(Bool.self, forKey: .private) ?? false
        description = try c.decodeIfPresent(String.self, forKey: .description)
        defaultBranch = try c.decodeIfPresent(String.self, forKey: .defaultBranch) ?? "main"
        createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt) ?? Date(timeIntervalSince1970: 1_700_000_000)
        updatedAt = try c.decodeIfPresent(Date.self, forKey: .updatedAt) ?? createdAt
        pushedAt = try c.decodeIfPresent(Date.self, forKey: .pushedAt)
        branches = try c.decodeIfPresent([FakeBranch].self, forKey: .branches) ?? []
        issues = try c.decodeIfPresent([FakeIssue].self, forKey: .issues) ?? []
        collaborators = try c.decodeIfPresent([FakeCollaborator].self, forKey: .collaborators) ?? []
        hooks = try c.decodeIfPresent([FakeHook].self, forKey: .hooks) ?? []
        files = try c.decodeIfPresent([String: String].self, forKey: .files) ?? [:]
    }

    enum CodingKeys: String, CodingKey {
        case id, owner, name, `private`, description, defaultBranch, createdAt, updatedAt, pushedAt
        case branches, issues, collaborators, hooks, files
    }

    public var fullName: String { "\(owner)/\(name)" }
}

public struct FakeBranch: Codable, Sendable, Hashable {
    public var name: String
    public var sha: String
    public var committedDate: Date
    public var message: String?
    public var author: String?
    public var protected: Bool?

    public init(name: String, sha: String, committedDate: Date, message: String? = nil, author: String? = nil, protected: Bool? = false) {
        self.name = name
        self.sha = sha
        self.committedDate = committedDate
        self.message = message
        self.author = author
        self.protected = protected
    }
}

public struct FakeIssue: Codable, Sendable, Hashable {
    public var number: Int
    public var id: Int64
    public var title: String
    public var body: String?
    public var state: String
    public var stateReason: String?
    public var user: String
    public var labels: [String]?
    public var assignees: [String]?
    public var comments: Int?
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    /// Present for pull requests.
    public var pull: FakePull?

    public init(number: Int, id: Int64, title: String, body: String?, state: String = "open", user: String,
                labels: [String] = [], assignees: [String] = [], createdAt: Date, updatedAt: Date? = nil,
                closedAt: Date? = nil, pull: FakePull? = nil) {
        self.number = number
        self.id = id
        self.title = title
        self.body = body
        self.state = state
        self.user = user
        self.labels = labels
        self.assignees = assignees
        self.comments = 0
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.closedAt = closedAt
        self.pull = pull
    }
}

public struct FakePull: Codable, Sendable, Hashable {
    public var id: Int64
    public var head: String
    public var headSHA: String
    public var base: String
    public var draft: Bool?
    public var merged: Bool?
    public var mergedAt: Date?
    public var requestedReviewers: [String]?
    public var requestedTeams: [String]?
    public var reviews: [FakeReview]?

    public init(id: Int64, head: String, headSHA: String, base: String, draft: Bool = false, merged: Bool = false,
                mergedAt: Date? = nil, requestedReviewers: [String] = [], requestedTeams: [String] = [], reviews: [FakeReview] = []) {
        self.id = id
        self.head = head
        self.headSHA = headSHA
        self.base = base
        self.draft = draft
        self.merged = merged
        self.mergedAt = mergedAt
        self.requestedReviewers = requestedReviewers
        self.requestedTeams = requestedTeams
        self.reviews = reviews
    }
}

public struct FakeReview: Codable, Sendable, Hashable {
    public var login: String
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`.
    public var state: String
    public var submittedAt: Date

    public init(login: String, state: String, submittedAt: Date) {
        self.login = login
        self.state = state
        self.submittedAt = submittedAt
    }
}

public struct FakeCollaborator: Codable, Sendable, Hashable {
    public var login: String
    /// `pull`, `triage`, `push`, `maintain` or `admin`.
    public var permission: String

    public init(login: String, permission: String) {
        self.login = login
        self.permission = permission
    }
}

public struct FakeHook: Codable, Sendable, Hashable {
    public var id: Int64
    public var url: String
    public var secret: String?
    public var events: [String]
    public var active: Bool
    public var createdAt: Date

    public init(id: Int64, url: String, secret: String?, events: [String], active: Bool = true, createdAt: Date) {
        self.id = id
        self.url = url
        self.secret = secret
        self.events = events
        self.active = active
        self.createdAt = createdAt
    }
}
