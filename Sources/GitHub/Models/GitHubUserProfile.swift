/// A user's public profile (`GET /users/{login}`, or the GraphQL `User` fields the sync needs).
///
/// Separate from ``GitHubUser`` (the small embedded shape) because only the profile endpoints carry
/// `bio`, `location`, `company` and `blog`, which "Sync GitHub profile" copies into the ERPNext User.
/// `email` is the *public* profile e-mail: nil when the user keeps it private.
public struct GitHubUserProfile: Sendable, Hashable, Codable {
    public var id: Int64
    public var login: String
    public var nodeID: String?
    /// `"User"`, `"Organization"` or `"Bot"`.
    public var type: String?
    public var name: String?
    public var email: String?
    public var company: String?
    public var blog: String?
    public var location: String?
    public var bio: String?
    public var twitterUsername: String?
    public var avatarURL: String?
    public var htmlURL: String?
    public var publicRepos: Int?
    public var followers: Int?
    public var following: Int?
    public var createdAt: GitHubDate?
    public var updatedAt: GitHubDate?

    public init(id: Int64, login: String, type: String? = "User", name: String? = nil, email: String? = nil) {
        self.id = id
        self.login = login
        self.type = type
        self.name = name
        self.email = email
    }

    enum CodingKeys: String, CodingKey {
        case id, login, type, name, email, company, blog, location, bio, followers, following
        case nodeID = "node_id"
        case twitterUsername = "twitter_username"
        case avatarURL = "avatar_url"
        case htmlURL = "html_url"
        case publicRepos = "public_repos"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// `{total_count, incomplete_results, items}` of the search endpoints.
public struct GitHubSearchResults<Item: Sendable & Codable>: Sendable, Codable {
    public var totalCount: Int
    /// True when GitHub's search timed out and `items` may be missing matches.
    public var incompleteResults: Bool?
    public var items: [Item]

    public init(totalCount: Int, incompleteResults: Bool? = false, items: [Item]) {
        self.totalCount = totalCount
        self.incompleteResults = incompleteResults
        self.items = items
    }

    enum CodingKeys: String, CodingKey {
        case items
        case totalCount = "total_count"
        case incompleteResults = "incomplete_results"
    }
}

extension GitHubSearchResults: Equatable where Item: Equatable {}
