import Foundation

/// `state` filter of issue and pull request lists.
public enum GitHubStateFilter: String, Sendable { case open, closed, all }
/// `sort` of issue and pull request lists.
public enum GitHubSort: String, Sendable { case created, updated, comments, popularity }
/// `direction` of lists.
public enum GitHubDirection: String, Sendable { case asc, desc }

/// Body of `POST /repos/{o}/{r}/issues`.
public struct CreateIssue: Sendable, Encodable {
    public var title: String
    public var body: String?
    public var assignees: [String]?
    public var labels: [String]?
    public var milestone: Int?

    public init(title: String, body: String? = nil, assignees: [String]? = nil, labels: [String]? = nil, milestone: Int? = nil) {
        self.title = title
        self.body = body
        self.assignees = assignees
        self.labels = labels
        self.milestone = milestone
    }
}

/// Body of `PATCH /repos/{o}/{r}/issues/{n}`; nil fields are left alone.
public struct UpdateIssue: Sendable, Encodable {
    public var title: String?
    public var body: String?
    public var state: String?
    public var stateReason: String?
    public var assignees: [String]?
    public var labels: [String]?

    public init(title: String? = nil, body: String? = nil, state: String? = nil, stateReason: String? = nil,
                assignees: [String]? = nil, labels: [String]? = nil) {
        self.title = title
        self.body = body
        self.state = state
        self.stateReason = stateReason
        self.assignees = assignees
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case title, body, state, assignees, labels
        case stateReason = "state_reason"
    }
}

/// Body of `POST /repos/{o}/{r}/pulls`.
public struct CreatePullRequest: Sendable, Encodable {
    public var title: String
    public var head: String
    public var base: String
    public var body: String?
    public var draft: Bool?

    public init(title: String, head: String, base: String, body: String? = nil, draft: Bool? = nil) {
        self.title = title
        self.head = head
        self.base = base
        self.body = body
        self.draft = draft
    }
}

extension GitHubClient {
    /// `GET /repos/{o}/{r}/issues`. Includes pull requests (``GitHubIssue/isPullRequest``).
    ///
    /// The defaults (`state=all`, `sort=updated`, `direction=asc`) make an incremental sync safe:
    /// items changing during the walk move towards the end rather than being skipped.
    public func issues(
        owner: String, repo: String, state: GitHubStateFilter = .all, since: Date? = nil,
        sort: GitHubSort = .updated, direction: GitHubDirection = .asc, conditional: ConditionalMode = .none
    ) -> GitHubPages<GitHubIssue> {
        var query: [(String, String)] = [("state", state.rawValue), ("sort", sort.rawValue), ("direction", direction.rawValue)]
        if let since { query.append(("since", GitHubDate(since).iso8601)) }
        return pages(of: GitHubIssue.self, Self.repoPath(owner, repo) + "/issues", query: query, conditional: conditional)
    }

    /// `GET /repos/{o}/{r}/pulls` (no `since` on this endpoint; sort by `updated` and stop early instead).
    public func pullRequests(
        owner: String, repo: String, state: GitHubStateFilter = .all, sort: GitHubSort = .updated,
        direction: GitHubDirection = .desc, conditional: ConditionalMode = .none
    ) -> GitHubPages<GitHubPullRequest> {
        pages(of: GitHubPullRequest.self, Self.repoPath(owner, repo) + "/pulls",
              query: [("state", state.rawValue), ("sort", sort.rawValue), ("direction", direction.rawValue)],
              conditional: conditional)
    }

    /// `GET /repos/{o}/{r}/issues/{n}`.
    public func issue(owner: String, repo: String, number: Int) async throws -> GitHubIssue {
        try await get(GitHubIssue.self, Self.repoPath(owner, repo) + "/issues/\(number)")
    }

    /// `GET /repos/{o}/{r}/pulls/{n}`.
    public func pullRequest(owner: String, repo: String, number: Int) async throws -> GitHubPullRequest {
        try await get(GitHubPullRequest.self, Self.repoPath(owner, repo) + "/pulls/\(number)")
    }

    /// `POST /repos/{o}/{r}/issues`. On ``GitHubError/mutationOutcomeUnknown(method:path:reason:)``
    /// the issue may exist: look for it (e.g. recent issues by title) before creating it again, or use
    /// ``createIssueOnce(owner:repo:_:operationID:previousAttemptSince:)``, which does that.
    public func createIssue(owner: String, repo: String, _ issue: CreateIssue) async throws -> GitHubIssue {
        try await send(.POST, Self.repoPath(owner, repo) + "/issues", body: issue, as: GitHubIssue.self)
    }

    /// `PATCH /repos/{o}/{r}/issues/{n}` (also closes/reopens and sets assignees).
    public func updateIssue(owner: String, repo: String, number: Int, _ update: UpdateIssue) async throws -> GitHubIssue {
        try await send(.PATCH, Self.repoPath(owner, repo) + "/issues/\(number)", body: update, as: GitHubIssue.self)
    }

    /// `POST /repos/{o}/{r}/pulls`. Same caveat as ``createIssue(owner:repo:_:)``; look up by head branch.
    public func createPullRequest(owner: String, repo: String, _ pull: CreatePullRequest) async throws -> GitHubPullRequest {
        try await send(.POST, Self.repoPath(owner, repo) + "/pulls", body: pull, as: GitHubPullRequest.self)
    }

    /// `POST /repos/{o}/{r}/pulls/{n}/requested_reviewers`. It adds to the requested reviewers (those
    /// already requested stay, once), so repeating it is harmless: it is retried like an idempotent
    /// call and safe to repeat after an unknown outcome. For "sent once" creates see
    /// ``createPullRequestOnce(owner:repo:_:operationID:previousAttemptSince:)``.
    public func requestReviewers(owner: String, repo: String, number: Int, reviewers: [String], teamReviewers: [String] = []) async throws -> GitHubPullRequest {
        struct Body: Encodable {
            var reviewers: [String]
            var team_reviewers: [String]
        }
        var request = try GitHubRequest.json(.POST, Self.repoPath(owner, repo) + "/pulls/\(number)/requested_reviewers",
                                             body: Body(reviewers: reviewers, team_reviewers: teamReviewers))
        request.idempotent = true
        return try await send(request).decode(GitHubPullRequest.self)
    }
}
