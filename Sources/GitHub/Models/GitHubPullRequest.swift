/// A pull request (`GET /repos/{o}/{r}/pulls`, `pull_request` webhooks).
///
/// Closed is not merged: check ``merged`` or ``mergedAt``. List responses do not carry `merged`,
/// only `merged_at`, so ``isMerged`` looks at both.
public struct GitHubPullRequest: Sendable, Hashable, Codable {
    public var id: Int64
    public var nodeID: String?
    public var number: Int
    public var title: String?
    public var body: String?
    public var state: String?
    public var draft: Bool?
    public var locked: Bool?
    public var user: GitHubUser?
    public var assignee: GitHubUser?
    public var assignees: [GitHubUser]?
    public var labels: [GitHubLabel]?
    public var milestone: GitHubMilestone?
    public var requestedReviewers: [GitHubUser]?
    public var requestedTeams: [GitHubTeam]?
    public var head: GitHubPullRequestRef?
    public var base: GitHubPullRequestRef?
    public var merged: Bool?
    public var mergedAt: GitHubDate?
    public var mergedBy: GitHubUser?
    public var mergeCommitSHA: String?
    public var mergeable: Bool?
    public var htmlURL: String?
    public var url: String?
    public var createdAt: GitHubDate?
    public var updatedAt: GitHubDate?
    public var closedAt: GitHubDate?
    public var authorAssociation: String?

    public init(id: Int64, number: Int, title: String, body: String?, state: String, user: GitHubUser?,
                head: GitHubPullRequestRef?, base: GitHubPullRequestRef?) {
        self.id = id
        self.number = number
        self.title = title
        self.body = body
        self.state = state
        self.user = user
        self.head = head
        self.base = base
    }

    public var isMerged: Bool { merged == true || mergedAt != nil }

    enum CodingKeys: String, CodingKey {
        case id, number, title, body, state, draft, locked, user, assignee, assignees, labels, milestone
        case head, base, merged, mergeable, url
        case nodeID = "node_id"
        case requestedReviewers = "requested_reviewers"
        case requestedTeams = "requested_teams"
        case mergedAt = "merged_at"
        case mergedBy = "merged_by"
        case mergeCommitSHA = "merge_commit_sha"
        case htmlURL = "html_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case closedAt = "closed_at"
        case authorAssociation = "author_association"
    }
}

/// `head` / `base` of a pull request. `repo` is null when the fork was deleted.
public struct GitHubPullRequestRef: Sendable, Hashable, Codable {
    public var label: String?
    public var ref: String
    public var sha: String
    public var user: GitHubUser?
    public var repo: GitHubRepository?

    public init(label: String? = nil, ref: String, sha: String, user: GitHubUser? = nil, repo: GitHubRepository? = nil) {
        self.label = label
        self.ref = ref
        self.sha = sha
        self.user = user
        self.repo = repo
    }
}

/// A review (`pull_request_review` webhook). `state` is lower-case in webhooks (`"commented"`)
/// and upper-case in REST/GraphQL (`"APPROVED"`); compare case-insensitively.
public struct GitHubReview: Sendable, Hashable, Codable {
    public var id: Int64
    public var nodeID: String?
    public var user: GitHubUser?
    public var body: String?
    public var state: String?
    public var commitID: String?
    public var submittedAt: GitHubDate?
    public var htmlURL: String?
    public var authorAssociation: String?

    enum CodingKeys: String, CodingKey {
        case id, user, body, state
        case nodeID = "node_id"
        case commitID = "commit_id"
        case submittedAt = "submitted_at"
        case htmlURL = "html_url"
        case authorAssociation = "author_association"
    }
}
