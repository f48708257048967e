/// A user, organisation or bot as GitHub embeds it (`owner`, `sender`, `assignee`, ...).
///
/// `login` and `id` are always present; the profile fields come only from `GET /user` and friends.
public struct GitHubUser: Sendable, Hashable, Codable {
    public var id: Int64
    public var login: String
    public var nodeID: String?
    /// `"User"`, `"Organization"` or `"Bot"`.
    public var type: String?
    public var siteAdmin: Bool?
    public var name: String?
    public var email: String?
    public var avatarURL: String?
    public var htmlURL: String?
    public var url: String?

    public init(id: Int64, login: String, type: String? = "User", name: String? = nil, email: String? = nil) {
        self.id = id
        self.login = login
        self.type = type
        self.name = name
        self.email = email
    }

    enum CodingKeys: String, CodingKey {
        case id, login, type, name, email, url
        case nodeID = "node_id"
        case siteAdmin = "site_admin"
        case avatarURL = "avatar_url"
        case htmlURL = "html_url"
    }
}

/// The `{name, email}` people of git commits and of `push.pusher` (which has no `login`).
public struct GitHubGitActor: Sendable, Hashable, Codable {
    public var name: String?
    public var email: String?
    public var username: String?
    public var date: GitHubDate?

    public init(name: String? = nil, email: String? = nil, username: String? = nil, date: GitHubDate? = nil) {
        self.name = name
        self.email = email
        self.username = username
        self.date = date
    }
}
