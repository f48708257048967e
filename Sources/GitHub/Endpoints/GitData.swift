import Foundation

/// Git data and App endpoints the template sync needs. Everything here is a plain read; the
/// installation endpoints take the auth they document (App JWT, installation token, user token).
extension GitHubClient {
    /// `GET /repos/{o}/{r}/git/ref/heads/{branch}`: the branch head, one cheap call.
    public func branchHead(owner: String, repo: String, branch: String) async throws -> GitHubGitRef {
        // Branch names may contain `/`; each part is its own path segment, as GitHub expects.
        let ref = branch.split(separator: "/", omittingEmptySubsequences: false).map { Self.segment(String($0)) }.joined(separator: "/")
        return try await get(GitHubGitRef.self, Self.repoPath(owner, repo) + "/git/ref/heads/\(ref)")
    }

    /// `GET /repos/{o}/{r}/git/commits/{sha}`: tree and parents of one commit.
    public func gitCommit(owner: String, repo: String, sha: String) async throws -> GitHubGitCommit {
        try await get(GitHubGitCommit.self, Self.repoPath(owner, repo) + "/git/commits/\(Self.segment(sha))")
    }

    /// `GET /repos/{o}/{r}/commits/{ref}`: a commit by SHA, branch or tag name.
    public func commit(owner: String, repo: String, ref: String) async throws -> GitHubCommit {
        try await get(GitHubCommit.self, Self.repoPath(owner, repo) + "/commits/\(Self.segment(ref))")
    }

    /// `GET /repos/{o}/{r}/compare/{base}...{head}` (page 1: up to 300 files).
    public func compare(owner: String, repo: String, base: String, head: String) async throws -> GitHubComparison {
        try await get(GitHubComparison.self, Self.repoPath(owner, repo) + "/compare/\(Self.segment(base))...\(Self.segment(head))")
    }

    /// `GET /repos/{o}/{r}/contents/{path}?ref=`: one entry for a file, the listing for a directory.
    public func contents(owner: String, repo: String, path: String, ref: String? = nil) async throws -> [GitHubContent] {
        let encoded = path.split(separator: "/").map { Self.segment(String($0)) }.joined(separator: "/")
        let response = try await send(GitHubRequest(.GET, Self.repoPath(owner, repo) + "/contents/\(encoded)",
                                                    query: ref.map { [("ref", $0)] } ?? []))
        if let list = try? response.decode([GitHubContent].self) { return list }
        return [try response.decode(GitHubContent.self)]
    }

    /// `GET /app` (App JWT).
    public func app() async throws -> GitHubApp {
        try await appOnly().get(GitHubApp.self, "/app")
    }

    /// `GET /app/installations` (App JWT), every page.
    public func appInstallations() async throws -> [GitHubInstallation] {
        var all: [GitHubInstallation] = []
        for try await page in try appOnly().pages(of: GitHubInstallation.self, "/app/installations") { all += page.items }
        return all
    }

    /// `GET /installation/repositories` (installation token): what the installation can see, first 100.
    public func installationRepositories() async throws -> GitHubInstallationRepositories {
        try await get(GitHubInstallationRepositories.self, "/installation/repositories", query: [("per_page", "100")])
    }

    /// `GET /user/installations` (user access token): installations of our App the user may access.
    public func userInstallations() async throws -> GitHubUserInstallations {
        try await get(GitHubUserInstallations.self, "/user/installations", query: [("per_page", "100")])
    }
}
