import Foundation
import Frappe
import GitHub

/// Creating and assigning issues from the desk (seed 000 `github_api.create_issue`,
/// `bulk_create_issues`, `assign_issue`): GitHub first, then the mirror, in one transaction,
/// once GitHub has confirmed. The answer is the mirrored Repository Issue, as the seed's was.
struct IssueActions {
    let site: Site
    let client: GitHubClient
    let user: String

    /// How far back a repeated create looks for the issue an earlier request made: a double click,
    /// a desk retry after a timeout. Within it, the same user asking for the same issue gets it back.
    static let repeatWindow: TimeInterval = 10 * 60
    /// A bulk called again (after an interruption) looks back this far for the items it made.
    static let bulkRepeatWindow: TimeInterval = 24 * 3600

    struct NewIssue: Sendable {
        var title: String
        var body: String?
        var assignees: [String]
        var labels: [String]
    }

    /// `create_issue(repository, title, body=None, assignees=None, labels=None)`.
    func create(repository given: String, _ issue: NewIssue) async throws -> JSONValue {
        let (repository, owner, repo, logins) = try await prepare(given, assignees: issue.assignees)
        let id = ActionSupport.operationID([site.name, user, repository.lowercased(), issue.title, issue.body ?? "", logins.joined(separator: ","),
                                            issue.labels.joined(separator: ",")])
        let made = try await github {
            try await client.createIssueOnce(owner: owner, repo: repo, CreateIssue(title: issue.title, body: issue.body,
                                                                                  assignees: logins.isEmpty ? nil : logins,
                                                                                  labels: issue.labels.isEmpty ? nil : issue.labels),
                                             operationID: id, previousAttemptSince: Date().addingTimeInterval(-Self.repeatWindow))
        }
        var answer = try await mirror(made.value, repository: repository)
        answer["created"] = .bool(made.origin == .created)
        return .object(answer)
    }

    /// `bulk_create_issues(repository, issues)`: one answer per item, in order. An item that fails
    /// (a missing title, an unknown user, GitHub refusing it) is reported and never stops the others;
    /// a bulk called again with the same items creates none of them twice.
    /// `previousAttemptSince`: the earliest time these issues could have been sent (a job passes
    /// the window before it was queued, so a run after a long wait still finds what it made).
    func bulkCreate(repository given: String, items: [JSONValue], previousAttemptSince: Date? = nil) async throws -> JSONValue {
        let (repository, owner, repo) = try await site.read { r in try ActionSupport.repository(given, reader: r) }
        let batch = ActionSupport.operationID([site.name, repository.lowercased(), JSONValue.array(items).pythonJSON()])
        let since = previousAttemptSince ?? Date().addingTimeInterval(-Self.bulkRepeatWindow)
        var results: [JSONValue] = []
        var counts = (created: 0, existing: 0, failed: 0)
        for (index, item) in items.enumerated() {
            var result: [String: JSONValue] = ["index": .number(Double(index))]
            do {
                let issue = try Self.newIssue(from: item)
                result["title"] = .string(issue.title)
                let logins = try await site.read { r in try ActionSupport.logins(for: issue.assignees, reader: r) }
                let made = try await github {
                    try await client.createIssueOnce(owner: owner, repo: repo, CreateIssue(title: issue.title, body: issue.body,
                                                                                          assignees: logins.isEmpty ? nil : logins,
                                                                                          labels: issue.labels.isEmpty ? nil : issue.labels),
                                                     operationID: "\(batch)-\(index)", previousAttemptSince: since)
                }
                let doc = try await mirror(made.value, repository: repository)
                result["status"] = .string(made.origin == .created ? "created" : "existing")
                result["issue_number"] = doc["issue_number"] ?? .null
                result["name"] = doc["name"] ?? .null
                result["url"] = doc["url"] ?? .null
                if made.origin == .created { counts.created += 1 } else { counts.existing += 1 }
            } catch {
                result["status"] = .string("failed")
                result["error"] = .string(FrappeError(github: error).message)
                counts.failed += 1
            }
            results.append(.object(result))
        }
        return .object(["repository": .string(repository), "created": .number(Double(counts.created)),
                        "existing": .number(Double(counts.existing)), "failed": .number(Double(counts.failed)), "results": .array(results)])
    }

    /// `assign_issue(repo_full_name, issue_number, assignees)`: the issue's assignees on GitHub
    /// become exactly these (as the seed's PATCH did); then its assignee rows and the Frappe
    /// assignments of the issue and of its Tasks follow what GitHub answered.
    func assign(repository given: String, number: Int, assignees: [String]) async throws -> JSONValue {
        let (repository, owner, repo, logins) = try await prepare(given, assignees: assignees)
        let updated = try await github { try await client.setAssignees(owner: owner, repo: repo, number: number, assignees: logins) }
        return .object(try await mirror(updated, repository: repository))
    }

    // MARK: -

    private func prepare(_ given: String, assignees: [String]) async throws -> (String, String, String, [String]) {
        try await site.read { r in
            let (repository, owner, repo) = try ActionSupport.repository(given, reader: r)
            return (repository, owner, repo, try ActionSupport.logins(for: assignees, reader: r))
        }
    }

    /// Writes GitHub's answer into the mirror (the ordering guard keeps a newer webhook's data),
    /// with Frappe assignments for the mapped assignees, and answers the stored document.
    private func mirror(_ issue: GitHubIssue, repository: String) async throws -> [String: JSONValue] {
        let clock = site.clock
        return try await site.write(user: user) { w in
            // Shared lock on the Repository row: a rename (which takes it exclusively) waits for
            // this write, or this write sees the new name, never a row under a name that is gone.
            let repository = try StoredRepository.name(repository, w, lock: .share)
            let mirror = Mirror(clock: clock, users: try RepositorySync.userMap(w))
            let doc = mirror.issue(issue, repository: repository)
            // The ordering guard holds here too: a newer webhook already applied is never undone.
            try w.upsert([doc], childKeys: ["assignees_table": "github_username"], newerBy: "updated_at")
            let name = doc.name ?? ""
            let users = (doc.children["assignees_table"] ?? []).compactMap { $0["user"].string }
            let description = issue.title ?? name
            try Assignments.set(users, on: "Repository Issue", name, description: description, writer: w)
            if try w.meta("Task").field("github_issue_doc") != nil {
                for task in try w.list("Task", where: ["github_issue_doc": .equals(.string(name))]) {
                    try Assignments.set(users, on: "Task", task.name ?? "", description: description, writer: w)
                }
            }
            guard let stored = try w.get("Repository Issue", name) else { throw FrappeError.notFound("Repository Issue \(name) not found") }
            return stored.asDict()
        }
    }

    /// One item of a bulk: `{title, body, assignees, labels}` (lists as arrays or comma-separated).
    static func newIssue(from item: JSONValue) throws -> NewIssue {
        guard case .object(let fields) = item else { throw FrappeError.validation("Each issue must be an object with a title") }
        let args = RPCArguments(fields)
        return NewIssue(title: try args.require("title"), body: args.string("body"),
                        assignees: try ActionSupport.names(args, "assignees"), labels: try ActionSupport.names(args, "labels"))
    }
}
