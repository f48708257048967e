import Foundation

extension GitHubClient {
    /// `PUT /repos/{o}/{r}/collaborators/{u}`: 201 with an invitation, or 204 (nil) when the user
    /// already was a collaborator (the permission is updated). Idempotent: it states the access the
    /// user should have, so it is retried on timeouts and 5xx, and repeating it after an unknown
    /// outcome is safe (a repeat while the invitation is pending updates that invitation).
    public func addCollaborator(owner: String, repo: String, username: String, permission: String = "push") async throws -> GitHubInvitation? {
        struct Body: Encodable { var permission: String }
        let response = try await send(GitHubRequest.json(
            .PUT, Self.repoPath(owner, repo) + "/collaborators/\(Self.segment(username))", body: Body(permission: permission)))
        return response.status == 204 || response.body.isEmpty ? nil : try response.decode(GitHubInvitation.self)
    }

    /// `DELETE /repos/{o}/{r}/collaborators/{u}` (204, also when the user was no collaborator).
    /// Idempotent, so retried and safe to repeat.
    public func removeCollaborator(owner: String, repo: String, username: String) async throws {
        _ = try await send(GitHubRequest(.DELETE, Self.repoPath(owner, repo) + "/collaborators/\(Self.segment(username))"))
    }

    /// `PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}` (204): gives the team `permission`
    /// (`pull`, `triage`, `push`, `maintain`, `admin`) on the repository, adding it or changing it.
    /// Idempotent, so retried and safe to repeat.
    public func setTeamRepositoryPermission(org: String, teamSlug: String, owner: String, repo: String, permission: String = "push") async throws {
        struct Body: Encodable { var permission: String }
        _ = try await send(GitHubRequest.json(
            .PUT, "/orgs/\(Self.segment(org))/teams/\(Self.segment(teamSlug))/repos/\(Self.segment(owner))/\(Self.segment(repo))",
            body: Body(permission: permission)))
    }

    /// `DELETE /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}` (204). Idempotent, so retried
    /// and safe to repeat.
    public func removeTeamRepository(org: String, teamSlug: String, owner: String, repo: String) async throws {
        _ = try await send(GitHubRequest(
            .DELETE, "/orgs/\(Self.segment(org))/teams/\(Self.segment(teamSlug))/repos/\(Self.segment(owner))/\(Self.segment(repo))"))
    }

    /// `GET /repos/{o}/{r}/hooks`.
    public func hooks(owner: String, repo: String) -> GitHubPages<GitHubHook> {
        pages(of: GitHubHook.self, Self.repoPath(owner, repo) + "/hooks")
    }

    /// `POST /repos/{o}/{r}/hooks`. The secret is sent once and never readable again.
    public func createHook(owner: String, repo: String, url: String, secret: String?, events: [String], active: Bool = true) async throws -> GitHubHook {
        struct Body: Encodable {
            var name = "web"
            var active: Bool
            var events: [String]
            var config: GitHubHook.Config
        }
        return try await send(.POST, Self.repoPath(owner, repo) + "/hooks",
                              body: Body(active: active, events: events, config: .init(url: url, contentType: "json", secret: secret)),
                              as: GitHubHook.self)
    }

    /// `DELETE /repos/{o}/{r}/hooks/{id}`.
    public func deleteHook(owner: String, repo: String, id: Int64) async throws {
        _ = try await send(GitHubRequest(.DELETE, Self.repoPath(owner, repo) + "/hooks/\(id)"))
    }
}

extension GitHubClient {
    /// `GET /repos/{o}/{r}/git/trees/{sha}[?recursive=1]`. `sha` may be a commit SHA or a branch name.
    /// Check ``GitHubTree/truncated``. Tree SHAs are content hashes, so ETags make repeats free.
    public func tree(owner: String, repo: String, sha: String, recursive: Bool = true) async throws -> GitHubTree {
        // Any value of `recursive` turns recursion on; omit it to disable.
        try await get(GitHubTree.self, Self.repoPath(owner, repo) + "/git/trees/\(Self.segment(sha))",
                      query: recursive ? [("recursive", "1")] : [])
    }

    /// `GET /repos/{o}/{r}/git/blobs/{sha}`.
    public func blob(owner: String, repo: String, sha: String) async throws -> GitHubBlob {
        try await get(GitHubBlob.self, Self.repoPath(owner, repo) + "/git/blobs/\(Self.segment(sha))")
    }
}

extension GitHubClient {
    /// `GET /app/installations/{id}` (App JWT): confirms the installation belongs to our App.
    public func appInstallation(id: Int64) async throws -> GitHubInstallation {
        try await appOnly().get(GitHubInstallation.self, "/app/installations/\(id)")
    }

    /// `POST /app/installations/{id}/access_tokens` (App JWT). Prefer ``installation(_:)``, which
    /// caches; this always mints. Minting twice is harmless, so it is retried like a read and not
    /// spaced like a content mutation.
    public func createInstallationToken(installationID: Int64) async throws -> GitHubInstallationToken {
        var request = GitHubRequest(.POST, "/app/installations/\(installationID)/access_tokens", idempotent: true, mutation: false)
        request.body = Data("{}".utf8)
        return try await appOnly().send(request).decode(GitHubInstallationToken.self)
    }

    func appOnly() throws -> GitHubClient {
        switch auth {
        case .app: return self
        case .installation(_, let app): return with(auth: .app(app))
        case .anonymous, .token: throw GitHubError.invalidConfiguration("App endpoints need App credentials (.app auth)")
        }
    }
}
