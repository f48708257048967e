import Foundation
import Frappe
import GitHub

/// `issues`, `pull_request` and `pull_request_review`. Each payload carries the whole object, so
/// every action (opened, edited, labeled, assigned, review_requested, synchronize, …) is applied
/// the same way: the stored document becomes the payload's object, unless it is older.
extension DeliveryApplier {
    static let issueDocType = "Repository Issue"
    static let pullDocType = "Repository Pull Request"

    func issues(_ e: IssuesEvent) throws -> Outcome {
        guard let repo = try tracked(e.repository) else { return untracked(e.repository) }
        if let problem = GitHubNames.problem(withNumber: e.issue.number) { throw Rejection(reason: problem) }
        if e.issue.isPullRequest { return try pullFromIssue(e, repository: repo) }
        let name = Mirror.issueName(repo, e.issue.number)
        let stored = try w.get(Self.issueDocType, name, forUpdate: true)
        if e.action == "deleted" || e.action == "transferred" {
            // Gone from this repository for good (a transfer opens it in the new one).
            guard stored != nil else { return .applied("Issue #\(e.issue.number) was not mirrored; nothing to remove") }
            try w.delete(Self.issueDocType, name)
            return .applied
        }
        if let stale = try staleness(of: e.issue.updatedAt, against: stored, what: "issue") { return stale }
        var doc = try mirror.issue(e.issue, repository: repo)
        if stored != nil {
            Self.dropMissing(&doc)
            // Some actions (pinned, unpinned) carry no state, labels or assignees: keep the stored ones.
            if e.issue.state == nil { doc.values["state"] = nil }
            if e.issue.title == nil { doc.values["title"] = nil }
            if e.issue.labels == nil { doc.values["labels"] = nil }
            if e.issue.assignees == nil && e.issue.assignee == nil { doc.children = [:] }
        }
        try requireValid(doc, numberField: "issue_number")
        try w.upsert([doc], childKeys: ["assignees_table": "github_username"], newerBy: "updated_at")
        return .applied
    }

    /// An `issues` event about a pull request updates the stored pull request (title, body, state),
    /// never a new issue.
    func pullFromIssue(_ e: IssuesEvent, repository repo: String) throws -> Outcome {
        let name = Mirror.issueName(repo, e.issue.number)
        guard let stored = try w.get(Self.pullDocType, name, forUpdate: true) else {
            return .skipped("Pull request #\(e.issue.number) is not mirrored yet; its pull_request events create it")
        }
        if e.action == "deleted" || e.action == "transferred" {
            return .skipped("Pull requests cannot be deleted or transferred; the issues event is ignored")
        }
        if let stale = try staleness(of: e.issue.updatedAt, against: stored, what: "pull request") { return stale }
        var values: [String: FrappeValue] = ["updated_at": try mirror.time(e.issue.updatedAt)]
        if let title = e.issue.title { values["title"] = .string(HTMLSanitizer.sanitize(title)) }
        if let body = e.issue.body { values["body"] = .string(HTMLSanitizer.sanitize(Mirror.body(body))) }
        if let state = e.issue.state {
            // The issues view has no `merged`: a closed, merged pull request stays merged.
            values["state"] = state == "open" ? "open" : (stored["state"].string == "merged" ? "merged" : "closed")
        }
        var doc = Document(Self.pullDocType, name: stored.name, values)
        Self.dropMissing(&doc)
        try requireValid(doc, numberField: "pr_number")
        try w.update(doc)
        return .applied
    }

    func pullRequest(_ e: PullRequestEvent) throws -> Outcome {
        guard let repo = try tracked(e.repository) else { return untracked(e.repository) }
        return try applyPull(e.pullRequest, repository: repo)
    }

    /// A review changes the pull request it is on (its payload carries the pull request as it is
    /// now); the review itself has no DocType in the seed's model.
    func review(_ e: PullRequestReviewEvent) throws -> Outcome {
        guard let repo = try tracked(e.repository) else { return untracked(e.repository) }
        return try applyPull(e.pullRequest, repository: repo)
    }

    func applyPull(_ pr: GitHubPullRequest, repository repo: String) throws -> Outcome {
        if let problem = GitHubNames.problem(withNumber: pr.number) { throw Rejection(reason: problem) }
        let name = Mirror.issueName(repo, pr.number)
        let stored = try w.get(Self.pullDocType, name, forUpdate: true)
        if let stale = try staleness(of: pr.updatedAt, against: stored, what: "pull request") { return stale }
        var doc = try mirror.pullRequest(pr, repository: repo)
        if stored != nil {
            Self.dropMissing(&doc)
            if pr.state == nil { doc.values["state"] = nil }
            if pr.title == nil { doc.values["title"] = nil }
            if pr.requestedReviewers == nil { doc.children = [:] }
        }
        try requireValid(doc, numberField: "pr_number")
        try w.upsert([doc], childKeys: ["reviewers_table": "github_username"], newerBy: "updated_at")
        return .applied
    }
}
