import Foundation
import Frappe
import GitHub

/// GitHub objects as the seed's documents (ARCHITECTURE §4). Used by the sync and by webhook
/// handlers, so both write exactly the same rows.
///
/// Values are fitted to their columns: a Data field holds 140 characters and a Text field
/// 65,535 bytes, and MariaDB refuses a longer value, which would fail a whole page of a sync.
public struct Mirror: Sendable {
    public let clock: SiteClock
    /// GitHub login → ERP user, for logins mapped through `User.github_username`.
    public let users: [String: String]

    public init(clock: SiteClock, users: [String: String] = [:]) {
        self.clock = clock
        self.users = users
    }

    public static func issueName(_ repository: String, _ number: Int) -> String { "\(repository)-#\(number)" }

    public func repository(_ repo: GitHubRepository) -> Document {
        let fullName = repo.fullName ?? "\(repo.ownerLogin ?? "")/\(repo.name)"
        var values: [String: FrappeValue] = [
            "full_name": .string(fullName), "repo_name": .string(repo.name), "github_id": .string(String(repo.id)),
            "repo_owner": .optional(repo.ownerLogin), "url": .optional(repo.htmlURL.map { Self.data($0) }),
            "visibility": .string(repo.private == true || repo.visibility == "private" || repo.visibility == "internal" ? "Private" : "Public"),
        ]
        if let branch = repo.defaultBranch { values["default_branch"] = .string(Self.data(branch)) }
        return Document("Repository", name: fullName, values)
    }

    public func issue(_ issue: GitHubIssue, repository: String) -> Document {
        let name = Self.issueName(repository, issue.number)
        let values: [String: FrappeValue] = [
            "repository": .string(repository), "issue_number": .int(issue.number), "title": .string(Self.data(issue.title ?? "")),
            "state": .string(issue.state == "closed" ? "closed" : "open"), "url": .optional(issue.htmlURL.map { Self.data($0) }),
            "github_id": .string(String(issue.id)),
            "labels": .string(Self.text((issue.labels ?? []).map(\.name).joined(separator: ", "))),
            "created_at": time(issue.createdAt), "updated_at": time(issue.updatedAt),
            "body": .string(Self.text(GitHubOperationMarker.strippingMarkers(from: issue.body) ?? "")),
        ]
        let assignees = logins(issue.assignees, fallback: issue.assignee).map { login in
            Document("Repository Issue Assignee", ["issue": .string(name), "github_username": .string(login), "user": .optional(users[login])])
        }
        return Document("Repository Issue", name: name, values, children: ["assignees_table": assignees])
    }

    public func pullRequest(_ pr: GitHubPullRequest, repository: String) -> Document {
        let name = Self.issueName(repository, pr.number)
        let state = pr.isMerged ? "merged" : (pr.state == "closed" ? "closed" : "open")
        let values: [String: FrappeValue] = [
            "repository": .string(repository), "pr_number": .int(pr.number), "title": .string(Self.data(pr.title ?? "")),
            "state": .string(state), "author": .optional(pr.user?.login), "github_id": .string(String(pr.id)),
            "url": .optional(pr.htmlURL.map { Self.data($0) }), "head_branch": .optional(pr.head.map { Self.data($0.ref) }),
            "base_branch": .optional(pr.base.map { Self.data($0.ref) }),
            "mergeable_state": .optional(pr.draft == true ? "draft" : pr.mergeable.map { $0 ? "mergeable" : "conflicting" }),
            "created_at": time(pr.createdAt), "updated_at": time(pr.updatedAt), "body": .string(Self.text(GitHubOperationMarker.strippingMarkers(from: pr.body) ?? "")),
        ]
        let reviewers = (pr.requestedReviewers ?? []).map(\.login).map { login in
            Document("Repository PR Reviewer", ["pull_request": .string(name), "github_username": .string(login), "user": .optional(users[login])])
        }
        return Document("Repository Pull Request", name: name, values, children: ["reviewers_table": reviewers])
    }

    public func branch(name: String, sha: String, committedAt: GitHubDate?, protected: Bool, repository: String) -> Document {
        Document("Repository Branch", ["repo_full_name": .string(repository), "branch_name": .string(Self.data(name)),
                                       "commit_sha": .string(sha), "protected": .int(protected ? 1 : 0), "last_updated": time(committedAt)])
    }

    public func member(_ collaborator: GitHubCollaborator, repository: String) -> Document {
        let role = collaborator.permissions?.admin == true || collaborator.permissions?.maintain == true
            || collaborator.roleName == "admin" || collaborator.roleName == "maintain" ? "maintainer" : "member"
        return Document("Repository Member", ["repo_full_name": .string(repository), "github_username": .string(collaborator.login),
                                              "github_id": .string(String(collaborator.id)), "role": .string(role)])
    }

    /// A GitHub instant in the site's time zone (never UTC, never a fixed zone).
    public func time(_ date: GitHubDate?) -> FrappeValue {
        date.map { .datetime(clock.local($0.date)) } ?? .null
    }

    private func logins(_ users: [GitHubUser]?, fallback: GitHubUser?) -> [String] {
        var seen = Set<String>()
        return ((users ?? []) + (users?.isEmpty == false ? [] : [fallback].compactMap { $0 })).compactMap { user in
            seen.insert(user.login).inserted ? user.login : nil
        }
    }

    /// A Data column holds 140 characters.
    static func data(_ s: String) -> String { s.count <= 140 ? s : String(s.prefix(139)) + "…" }

    /// A Text column holds 65,535 bytes; cut on a character boundary.
    static func text(_ s: String) -> String {
        guard s.utf8.count > 65_535 else { return s }
        var out = ""
        var bytes = 0
        for ch in s {
            let n = String(ch).utf8.count
            if bytes + n > 65_000 { break }
            out.append(ch)
            bytes += n
        }
        return out + "\n\n[truncated: the full text is on GitHub]"
    }
}
