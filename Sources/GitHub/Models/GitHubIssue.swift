/// An issue, or a pull request seen through the issues API.
///
/// `GET /repos/{o}/{r}/issues` and `issues` webhooks include pull requests; they carry a
/// `pull_request` key. A sync that files those as issues double-counts PRs, so check
/// ``isPullRequest`` first.
///
/// `issues/pinned` objects lack `state`, `labels`, `assignee` and `locked`, and `body` may be `null`,
/// so all of those are optional.
public struct GitHubIssue: Sendable, Hashable, Codable {
    public var id: Int64
    public var nodeID: String?
    public var number: Int
    public var title: String?
    public var body: String?
    /// `"open"` or `"closed"`; absent in some webhook variants.
    public var state: String?
    public var stateReason: String?
    public var user: GitHubUser?
    public var labels: [GitHubLabel]?
    public var assignee: GitHubUser?
    public var assignees: [GitHubUser]?
    public var milestone: GitHubMilestone?
    public var locked: Bool?
    public var comments: Int?
    public var authorAssociation: String?
    public var htmlURL: String?
    public var url: String?
    public var createdAt: GitHubDate?
    public var updatedAt: GitHubDate?
    /// Still set after `reopened`, so use `state` for openness.
    public var closedAt: GitHubDate?
    public var closedBy: GitHubUser?
    /// Present exactly when this issue is a pull request.
    public var pullRequest: GitHubIssuePullRequestMarker?

    public init(id: Int64, number: Int, title: String, body: String?, state: String, user: GitHubUser?) {
        self.id = id
        self.number = number
        self.title = title
        self.body = body
        self.state = state
        self.user = user
    }

    /// True when GitHub marks this issue as a pull request.
    public var isPullRequest: Bool { pullRequest != nil }

    enum CodingKeys: String, CodingKey {
        case id, number, title, body, state, user, labels, assignee, assignees, milestone, locked, comments, url
        case nodeID = "node_id"
        case stateReason = "state_reason"
        case authorAssociation = "author_association"
        case htmlURL = "html_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case closedAt = "closed_at"
        case closedBy = "closed_by"
        case pullRequest = "pull_request"
    }
}

/// The `pull_request` key of an issue: `{url, html_url, diff_url, patch_url, merged_at?}`.
public struct GitHubIssuePullRequestMarker: Sendable, Hashable, Codable {
    public var url: String?
    public var htmlURL: String?
    public var diffURL: String?
    public var patchURL: String?
    public var mergedAt: GitHubDate?

    public init(url: String? = nil, htmlURL: String? = nil) {
        self.url = url
        self.htmlURL = htmlURL
    }

    enum CodingKeys: String, CodingKey {
        case url
        case htmlURL = "html_url"
        case diffURL = "diff_url"
        case patchURL = "patch_url"
        case mergedAt = "merged_at"
    }
}

public struct GitHubLabel: Sendable, Hashable, Codable {
    public var id: Int64?
    public var name: String
    public var color: String?
    public var description: String?
    public var `default`: Bool?

    public init(id: Int64? = nil, name: String, color: String? = nil) {
        self.id = id
        self.name = name
        self.color = color
    }
}

public struct GitHubMilestone: Sendable, Hashable, Codable {
    public var id: Int64?
    public var number: Int?
    public var title: String?
    public var state: String?
    public var description: String?
    public var dueOn: GitHubDate?

    enum CodingKeys: String, CodingKey {
        case id, number, title, state, description
        case dueOn = "due_on"
    }
}
