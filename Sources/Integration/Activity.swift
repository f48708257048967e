import Foundation
import Frappe

/// `get_repository_activity`: what changed in the mirror in the last N days.
///
/// Bounded in SQL: a count of what changed, and the newest ten rows (`ORDER BY updated_at DESC
/// LIMIT 10`), so a repository with a hundred thousand issues costs two small answers, not a
/// load of every row.
enum Activity {
    static let shown = 10

    static func summary(repository: String, days: Int, reader r: DocumentReader) throws -> JSONValue {
        let stored = try StoredRepository.name(repository, r)
        let since = FrappeValue.datetime(r.clock.local(Date().addingTimeInterval(-Double(max(1, days)) * 86_400)))
        let recent: [String: Filter] = ["repository": .equals(.string(stored)), "updated_at": .atLeast(since)]
        func newest(_ doctype: String, _ number: String) throws -> [JSONValue] {
            try r.list(doctype, where: recent, fields: ["name", number, "title", "state", "updated_at"],
                       orderBy: "updated_at", descending: true, limit: shown).map { row in
                .object(["number": row[number].json, "title": row["title"].json, "state": row["state"].json, "updated_at": row["updated_at"].json])
            }
        }
        return .object(["repository": .string(stored), "days": .number(Double(days)),
                        "issues_updated": .number(Double(try r.count("Repository Issue", where: recent))),
                        "pull_requests_updated": .number(Double(try r.count("Repository Pull Request", where: recent))),
                        "issues": .array(try newest("Repository Issue", "issue_number")),
                        "pull_requests": .array(try newest("Repository Pull Request", "pr_number"))])
    }
}
