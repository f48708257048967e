import Foundation
import Frappe

/// A repository renamed or transferred on GitHub: `frappe.rename_doc` for the Repository, and for
/// its issues and pull requests, whose names (`<full_name>-#<n>`) embed the repository's. Links
/// (Project.repository, Task.github_repo/github_issue_doc, child rows, Sync Runs) follow.
/// Without this, the next sync would mirror everything a second time under the new name.
struct RepositoryRename {
    let w: DocumentWriter

    init(writer: DocumentWriter) { w = writer }

    func rename(_ old: String, to new: String) throws {
        let issues = try numbered("Repository Issue", "issue_number", repository: old)
        let pulls = try numbered("Repository Pull Request", "pr_number", repository: old)
        try w.rename("Repository", [(old, new)])
        try w.rename("Repository Issue", issues.map { ($0.name, Mirror.issueName(new, $0.number)) })
        try w.rename("Repository Pull Request", pulls.map { ($0.name, Mirror.issueName(new, $0.number)) })
        // Child rows carry the full name as a value too.
        guard var doc = try w.get("Repository", new, forUpdate: true) else { return }
        for table in ["branches_table", "members_table"] {
            doc.children[table] = (doc.children[table] ?? []).map { row in
                var row = row
                row["repo_full_name"] = .string(new)
                return row
            }
        }
        doc.values = ["full_name": .string(new)]
        try w.update(doc)
    }

    /// Issues or pull requests of a repository after the rename of the Repository moved their link.
    private func numbered(_ doctype: String, _ numberField: String, repository: String) throws -> [(name: String, number: Int)] {
        try w.list(doctype, where: ["repository": .equals(.string(repository))], fields: ["name", numberField]).compactMap { row in
            guard let name = row["name"].string, let number = row[numberField].int else { return nil }
            return (name, number)
        }
    }
}

/// A repository deleted on GitHub: its issues, pull requests and the Repository itself are
/// deleted through the store (each keeps a Deleted Document, so it can be restored), and links
/// to them from Projects and Tasks are cleared first, as nothing on GitHub is left to point at.
struct RepositoryRemoval {
    let w: DocumentWriter

    init(writer: DocumentWriter) { w = writer }

    func remove(_ name: String) throws -> (issues: Int, pulls: Int) {
        let issues = try w.list("Repository Issue", where: ["repository": .equals(.string(name))]).compactMap { $0["name"].string }
        let pulls = try w.list("Repository Pull Request", where: ["repository": .equals(.string(name))]).compactMap { $0["name"].string }
        try clearLinks("Project", "repository", [name])
        try clearLinks("Task", "github_repo", [name])
        try clearLinks("Task", "github_issue_doc", issues)
        for issue in issues { try w.delete("Repository Issue", issue) }
        for pull in pulls { try w.delete("Repository Pull Request", pull) }
        try w.delete("Repository", name)
        return (issues.count, pulls.count)
    }

    private func clearLinks(_ doctype: String, _ field: String, _ targets: [String]) throws {
        guard !targets.isEmpty, try w.meta(doctype).columnNames.contains(field) else { return }
        for chunk in stride(from: 0, to: targets.count, by: 500).map({ Array(targets[$0..<min($0 + 500, targets.count)]) }) {
            let linked = try w.list(doctype, where: [field: .isIn(chunk.map { .string($0) })]).compactMap { $0["name"].string }
            for doc in linked { try w.update(Document(doctype, name: doc, [field: .null])) }
        }
    }
}
