import Foundation
import Frappe
import GitHub

/// GitHub objects as the seed's documents (ARCHITECTURE §4). Used by the sync and by webhook
/// handlers, so both write exactly the same rows.
///
/// Values are GitHub's, whole: the DocTypes hold what GitHub allows (titles of 256 characters,
/// refs of 255, bodies in Long Text). A value that still does not fit is never cut: the store
/// refuses that document with Frappe's reason, and a sync skips it and records why.
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
            "repo_owner": .optional(repo.ownerLogin), "url": .optional(repo.htmlURL),
            "visibility": .string(repo.private == true || repo.visibility == "private" || repo.visibility == "internal" ? "Private" : "Public"),
        ]
        if let branch = repo.defaultBranch { values["default_branch"] = .string(branch) }
        return Self.asFrappeSaves(Document("Repository", name: fullName, values))
    }

    public func issue(_ issue: GitHubIssue, repository: String) -> Document {
        let name = Self.issueName(repository, issue.number)
        let values: [String: FrappeValue] = [
            "repository": .string(repository), "issue_number": .int(issue.number), "title": .string(issue.title ?? ""),
            "state": .string(issue.state == "closed" ? "closed" : "open"), "url": .optional(issue.htmlURL),
            "github_id": .string(String(issue.id)),
            // Joined with "," as the original app did: reports and scripts on real sites split on it.
            "labels": .string((issue.labels ?? []).map(\.name).joined(separator: ",")),
            "created_at": time(issue.createdAt), "updated_at": time(issue.updatedAt),
            "body": .string(Self.body(issue.body)),
        ]
        let assignees = logins(issue.assignees, fallback: issue.assignee).map { login in
            Document("Repository Issue Assignee", ["issue": .string(name), "github_username": .string(login), "user": .optional(users[login])])
        }
        return Self.asFrappeSaves(Document("Repository Issue", name: name, values, children: ["assignees_table": assignees]))
    }

    public func pullRequest(_ pr: GitHubPullRequest, repository: String) -> Document {
        let name = Self.issueName(repository, pr.number)
        let state = pr.isMerged ? "merged" : (pr.state == "closed" ? "closed" : "open")
        let values: [String: FrappeValue] = [
            "repository": .string(repository), "pr_number": .int(pr.number), "title": .string(pr.title ?? ""),
            "state": .string(state), "author": .optional(pr.user?.login), "github_id": .string(String(pr.id)),
            "url": .optional(pr.htmlURL), "head_branch": .optional(pr.head?.ref), "base_branch": .optional(pr.base?.ref),
            "mergeable_state": .optional(pr.draft == true ? "draft" : pr.mergeable.map { $0 ? "mergeable" : "conflicting" }),
            "created_at": time(pr.createdAt), "updated_at": time(pr.updatedAt), "body": .string(Self.body(pr.body)),
        ]
        let reviewers = (pr.requestedReviewers ?? []).map(\.login).map { login in
            Document("Repository PR Reviewer", ["pull_request": .string(name), "github_username": .string(login), "user": .optional(users[login])])
        }
        return Self.asFrappeSaves(Document("Repository Pull Request", name: name, values, children: ["reviewers_table": reviewers]))
    }

    public func branch(name: String, sha: String, committedAt: GitHubDate?, protected: Bool, repository: String) -> Document {
        Self.asFrappeSaves(Document("Repository Branch", ["repo_full_name": .string(repository), "branch_name": .string(name),
                                                          "commit_sha": .string(sha), "protected": .int(protected ? 1 : 0),
                                                          "last_updated": time(committedAt)]))
    }

    /// A collaborator as the original app stored it: `maintainer` only for repository admins
    /// (`permissions.admin`), everyone else `member`; `email` is the public profile e-mail.
    public func member(_ collaborator: GitHubCollaborator, email: String? = nil, repository: String) -> Document {
        let admin = collaborator.permissions?.admin ?? (collaborator.roleName == "admin")
        return Document("Repository Member", ["repo_full_name": .string(repository), "github_username": .string(collaborator.login),
                                              "github_id": .string(String(collaborator.id)), "role": .string(admin ? "maintainer" : "member"),
                                              "email": .optional(email)])
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

    /// The document as Frappe's own save would store it: every text value through
    /// `_sanitize_content` (a `<script>` in a body is kept as escaped text), so a later desk save
    /// changes nothing. None of the mirrored fields is Code, Attach, JSON or an Email field, which
    /// Frappe leaves alone.
    static func asFrappeSaves(_ doc: Document) -> Document {
        var doc = doc
        for (key, value) in doc.values { if case .string(let s) = value { doc.values[key] = .string(HTMLSanitizer.sanitize(s)) } }
        for (table, rows) in doc.children { doc.children[table] = rows.map(asFrappeSaves) }
        return doc
    }

    /// A GitHub body as the desk shows it: the sidecar's operation markers taken out.
    static func body(_ text: String?) -> String {
        GitHubOperationMarker.strippingMarkers(from: text) ?? ""
    }

    /// A value inside a message (a reason, a note): at most 140 characters. Never for stored values.
    static func shown(_ s: String) -> String { s.count <= 140 ? s : String(s.prefix(139)) + "…" }
}
