import Foundation
import Frappe

/// Counts the desk shows: the integration's totals, one repository's, and a user's repositories.
enum Statistics {
    static let doctypes = [
        ("repositories", "Repository"), ("issues", "Repository Issue"), ("pull_requests", "Repository Pull Request"),
        ("webhook_deliveries", "GitHub Webhook Delivery"), ("sync_runs", "GitHub Sync Run"),
    ]

    /// `api.get_repository_statistics`.
    static func repository(_ repo: String, reader r: DocumentReader) throws -> JSONValue {
        guard try r.count("Repository", where: ["name": .equals(.string(repo))]) > 0 else {
            throw FrappeError.notFound("Repository \(repo) not found")
        }
        let issues = try r.countBy("Repository Issue", "state", where: ["repository": .equals(.string(repo))])
        let pulls = try r.countBy("Repository Pull Request", "state", where: ["repository": .equals(.string(repo))])
        let doc = try r.get("Repository", repo)
        return .object([
            "repository": .string(repo),
            "issues": .object(issues.mapValues { .number(Double($0)) }),
            "pull_requests": .object(pulls.mapValues { .number(Double($0)) }),
            "total_issues": .number(Double(issues.values.reduce(0, +))),
            "total_pull_requests": .number(Double(pulls.values.reduce(0, +))),
            "branches": .number(Double(doc?.children["branches_table"]?.count ?? 0)),
            "members": .number(Double(doc?.children["members_table"]?.count ?? 0)),
            "last_synced": doc?["last_synced"].json ?? .null,
        ])
    }

    /// `api.get_user_repositories`: every repository for an admin, else those of the caller's Projects.
    static func repositories(of caller: Caller, reader r: DocumentReader) throws -> [String] {
        if Access.isAdmin(caller) {
            return try r.list("Repository", orderBy: "name").compactMap { $0["name"].string }
        }
        let projects = try r.list("Project User", where: ["user": .equals(.string(caller.user)), "parenttype": .equals("Project")],
                                  fields: ["parent"]).compactMap { $0["parent"].string }
        guard !projects.isEmpty, try r.meta("Project").field("repository") != nil else { return [] }
        return Array(Set(try r.list("Project", where: ["name": .isIn(projects.map { .string($0) }), "repository": .isSet],
                                    fields: ["repository"]).compactMap { $0["repository"].string })).sorted()
    }
}
