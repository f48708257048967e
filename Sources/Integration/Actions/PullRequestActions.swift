import Foundation
import Frappe
import GitHub

/// Opening pull requests and requesting reviewers from the desk (seed 000 `create_pull_request`,
/// `add_pr_reviewer`): GitHub first, then the mirror; the answer is the mirrored document.
struct PullRequestActions {
    let site: Site
    let client: GitHubClient
    let user: String

    /// `create_pull_request(repository, title, head, base, body=None)`. GitHub allows one open pull
    /// request per head and base: asking again answers the one that exists (`created: false`).
    func create(repository given: String, title: String, head: String, base: String, body: String?) async throws -> JSONValue {
        let (repository, owner, repo) = try await site.read { r in try ActionSupport.repository(given, reader: r) }
        let id = ActionSupport.operationID([site.name, user, repository.lowercased(), title, head, base, body ?? ""])
        let made = try await github {
            try await client.createPullRequestOnce(owner: owner, repo: repo, CreatePullRequest(title: title, head: head, base: base, body: body),
                                                   operationID: id, previousAttemptSince: Date().addingTimeInterval(-IssueActions.repeatWindow))
        }
        var answer = try await mirror(made.value, repository: repository)
        answer["created"] = .bool(made.origin == .created)
        return .object(answer)
    }

    /// `add_pr_reviewer(repo_full_name, pr_number, reviewers)`: users (mapped to their logins) or
    /// GitHub logins; GitHub adds them to those already requested.
    func addReviewers(repository given: String, number: Int, reviewers: [String]) async throws -> JSONValue {
        guard !reviewers.isEmpty else { throw FrappeError.validation("Name at least one reviewer") }
        let (repository, owner, repo, logins) = try await site.read { r in
            let (repository, owner, repo) = try ActionSupport.repository(given, reader: r)
            return (repository, owner, repo, try ActionSupport.logins(for: reviewers, reader: r))
        }
        let updated = try await github { try await client.requestReviewers(owner: owner, repo: repo, number: number, reviewers: logins) }
        return .object(try await mirror(updated, repository: repository))
    }

    private func mirror(_ pr: GitHubPullRequest, repository: String) async throws -> [String: JSONValue] {
        let clock = site.clock
        return try await site.write(user: user) { w in
            let repository = try StoredRepository.name(repository, w, lock: .share)   // serialises with a rename
            let doc = Mirror(clock: clock, users: try RepositorySync.userMap(w)).pullRequest(pr, repository: repository)
            try w.upsert([doc], childKeys: ["reviewers_table": "github_username"], newerBy: "updated_at")
            guard let stored = try w.get("Repository Pull Request", doc.name ?? "") else {
                throw FrappeError.notFound("Repository Pull Request \(doc.name ?? "") not found")
            }
            return stored.asDict()
        }
    }
}

/// `manage_repo_access(repo_full_name, action, identifier, permission='push')`: collaborators and
/// teams of a repository. Values are checked before GitHub is called.
struct AccessActions {
    let site: Site
    let client: GitHubClient
    let user: String

    static let actions = ["add_collaborator", "remove_collaborator", "add_team", "remove_team"]
    static let permissions = ["pull", "triage", "push", "maintain", "admin"]

    func manage(repository given: String, action: String, identifier: String, permission: String) async throws -> JSONValue {
        guard Self.actions.contains(action) else {
            throw FrappeError.validation("Action must be one of \(Self.actions.joined(separator: ", ")), not \(action)")
        }
        guard Self.permissions.contains(permission) else {
            throw FrappeError.validation("Permission must be one of \(Self.permissions.joined(separator: ", ")), not \(permission)")
        }
        let (repository, owner, repo) = try await site.read { r in try ActionSupport.repository(given, reader: r) }
        var answer: [String: JSONValue] = ["success": .bool(true), "repository": .string(repository), "action": .string(action),
                                           "identifier": .string(identifier)]
        switch action {
        case "add_collaborator", "remove_collaborator":
            let login = try await site.read { r in try ActionSupport.logins(for: [identifier], reader: r) }.first ?? identifier
            answer["github_username"] = .string(login)
            if action == "add_collaborator" {
                let invitation = try await github { try await client.addCollaborator(owner: owner, repo: repo, username: login, permission: permission) }
                answer["permission"] = .string(permission)
                answer["invited"] = .bool(invitation != nil)
                answer["message"] = .string(invitation != nil ? "\(login) was invited to \(repository) with \(permission) access"
                                                                : "\(login) now has \(permission) access to \(repository)")
            } else {
                try await github { try await client.removeCollaborator(owner: owner, repo: repo, username: login) }
                try await removeMember(login, from: repository)
                answer["message"] = .string("\(login) no longer has access to \(repository)")
            }
        default:
            let slug = identifier.split(separator: "/").last.map(String.init) ?? identifier
            guard !slug.isEmpty else { throw FrappeError.validation("Name the team by its slug") }
            if action == "add_team" {
                try await github { try await client.setTeamRepositoryPermission(org: owner, teamSlug: slug, owner: owner, repo: repo, permission: permission) }
                answer["permission"] = .string(permission)
                answer["message"] = .string("Team \(slug) now has \(permission) access to \(repository)")
            } else {
                try await github { try await client.removeTeamRepository(org: owner, teamSlug: slug, owner: owner, repo: repo) }
                answer["message"] = .string("Team \(slug) no longer has access to \(repository)")
            }
        }
        return .object(answer)
    }

    /// The mirror follows GitHub at once: the removed collaborator's member row goes.
    private func removeMember(_ login: String, from repository: String) async throws {
        try await site.write(user: user) { w in
            guard let doc = try w.get("Repository", repository) else { return }
            let rows = (doc.children["members_table"] ?? []).filter { $0["github_username"].string?.lowercased() != login.lowercased() }
            guard rows.count != doc.children["members_table"]?.count else { return }
            try w.update(Document("Repository", name: repository, [:], children: ["members_table": rows]))
        }
    }
}
