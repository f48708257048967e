import Foundation

extension GitHubClient {
    /// `GET /user`: who the token belongs to.
    public func authenticatedUser() async throws -> GitHubUser {
        try await get(GitHubUser.self, "/user")
    }

    /// `GET /user/repos`: repositories the token can see.
    public func userRepositories(affiliation: String? = nil, conditional: ConditionalMode = .none) -> GitHubPages<GitHubRepository> {
        pages(of: GitHubRepository.self, "/user/repos", query: affiliation.map { [("affiliation", $0)] } ?? [], conditional: conditional)
    }

    /// `GET /orgs/{org}/repos`.
    public func organizationRepositories(_ org: String, type: String = "all", conditional: ConditionalMode = .none) -> GitHubPages<GitHubRepository> {
        pages(of: GitHubRepository.self, "/orgs/\(Self.segment(org))/repos", query: [("type", type)], conditional: conditional)
    }

    /// `GET /repos/{owner}/{repo}`.
    public func repository(owner: String, repo: String) async throws -> GitHubRepository {
        try await get(GitHubRepository.self, Self.repoPath(owner, repo))
    }

    /// `GET /repos/{owner}/{repo}`, conditionally.
    public func repositoryIfChanged(owner: String, repo: String, mode: ConditionalMode = .callerStores) async throws -> Conditional<GitHubRepository> {
        try await getConditional(GitHubRepository.self, Self.repoPath(owner, repo), mode: mode)
    }

    /// `GET /repos/{owner}/{repo}/branches`.
    public func branches(owner: String, repo: String, conditional: ConditionalMode = .none) -> GitHubPages<GitHubBranch> {
        pages(of: GitHubBranch.self, Self.repoPath(owner, repo) + "/branches", conditional: conditional)
    }

    /// `GET /repos/{owner}/{repo}/collaborators` (`affiliation`: `outside`, `direct` or `all`).
    public func collaborators(owner: String, repo: String, affiliation: String = "all", conditional: ConditionalMode = .none) -> GitHubPages<GitHubCollaborator> {
        pages(of: GitHubCollaborator.self, Self.repoPath(owner, repo) + "/collaborators", query: [("affiliation", affiliation)], conditional: conditional)
    }

    /// `GET /orgs/{org}/teams`.
    public func teams(org: String, conditional: ConditionalMode = .none) -> GitHubPages<GitHubTeam> {
        pages(of: GitHubTeam.self, "/orgs/\(Self.segment(org))/teams", conditional: conditional)
    }

    /// `GET /repos/{owner}/{repo}/commits`.
    public func commits(owner: String, repo: String, sha: String? = nil, since: Date? = nil, conditional: ConditionalMode = .none) -> GitHubPages<GitHubCommit> {
        var query: [(String, String)] = []
        if let sha { query.append(("sha", sha)) }
        if let since { query.append(("since", GitHubDate(since).iso8601)) }
        return pages(of: GitHubCommit.self, Self.repoPath(owner, repo) + "/commits", query: query, conditional: conditional)
    }

    /// `GET /rate_limit`. Free: it does not spend the core budget.
    public func rateLimitOverview() async throws -> GitHubRateLimitOverview {
        try await send(GitHubRequest(.GET, "/rate_limit", resource: "rate_limit")).decode(GitHubRateLimitOverview.self)
    }
}
