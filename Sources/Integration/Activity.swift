import Foundation
import Frappe

/// `get_repository_activity`: what changed in the mirror in the last N days.
enum Activity {
    static func summary(repository: String, days: Int, reader r: DocumentReader) throws -> JSONValue {
        guard try r.get("Repository", repository) != nil else { throw FrappeError.notFound("Repository \(repository) not found") }
        let since = r.clock.local(Date().addingTimeInterval(-Double(max(1, days)) * 86_400))
        func recent(_ doctype: String, _ number: String) throws -> [JSONValue] {
            try r.list(doctype, where: ["repository": .equals(.string(repository))], fields: ["name", number, "title", "state", "updated_at"],
                       orderBy: "updated_at").filter { row in
                guard case .datetime(let t) = row["updated_at"] else { return false }
                return t >= since
            }.reversed().map { row in
                .object(["number": row[number].json, "title": row["title"].json, "state": row["state"].json, "updated_at": row["updated_at"].json])
            }
        }
        let issues = try recent("Repository Issue", "issue_number"), pulls = try recent("Repository Pull Request", "pr_number")
        return .object(["repository": .string(repository), "days": .number(Double(days)),
                        "issues_updated": .number(Double(issues.count)), "pull_requests_updated": .number(Double(pulls.count)),
                        "issues": .array(Array(issues.prefix(10))), "pull_requests": .array(Array(pulls.prefix(10)))])
    }
}
