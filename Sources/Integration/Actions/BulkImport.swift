import Foundation
import Frappe
import GitHub

/// `bulk_import_github_data(repo_full_name, import_type, force_update=False)`: every issue
/// (`issues`, pull requests left out) or every pull request (`pull_requests`) of a repository,
/// state=all, into the mirror. Existing documents are skipped unless `force_update`; an item that
/// cannot be stored is counted in `errors` with its reason and never stops the rest.
struct BulkImport {
    let site: Site
    let client: GitHubClient
    let user: String

    enum Kind: String, CaseIterable { case issues, pullRequests = "pull_requests" }

    func run(repository given: String, kind: Kind, forceUpdate: Bool) async throws -> JSONValue {
        let (repository, owner, repo) = try await site.read { r in try ActionSupport.repository(given, reader: r) }
        let doctype = kind == .issues ? "Repository Issue" : "Repository Pull Request"
        let childKey = kind == .issues ? ["assignees_table": "github_username"] : ["reviewers_table": "github_username"]
        let users = try await site.read { r in try RepositorySync.userMap(r) }
        let mirror = Mirror(clock: site.clock, users: users)
        var counts = (imported: 0, updated: 0, skipped: 0, errors: 0)
        var failures: [JSONValue] = []
        func store(_ docs: [Document]) async throws {
            guard !docs.isEmpty else { return }
            let names = docs.compactMap(\.name)
            let existing = try await site.read { r in Set(try r.getMany(doctype, names: names).keys.map { $0.lowercased() }) }
            let wanted = forceUpdate ? docs : docs.filter { !existing.contains(($0.name ?? "").lowercased()) }
            counts.skipped += docs.count - wanted.count
            for doc in wanted {
                do {
                    let summary = try await site.write(user: user) { w in
                        try w.upsert([doc], childKeys: childKey, newerBy: "updated_at", skipInvalid: true)
                    }
                    counts.imported += summary.inserted
                    counts.updated += summary.updated
                    counts.skipped += summary.unchanged + summary.older
                    for item in summary.skipped {
                        counts.errors += 1
                        if failures.count < 50 { failures.append(.object(["name": .string(item.name), "error": .string(item.reason)])) }
                    }
                } catch {
                    counts.errors += 1
                    if failures.count < 50 {
                        failures.append(.object(["name": .string(doc.name ?? ""), "error": .string(FrappeError(github: error).message)]))
                    }
                }
            }
        }
        try await github {
            switch kind {
            case .issues:
                for try await page in client.issues(owner: owner, repo: repo, state: .all) {
                    try await store(page.items.filter { !$0.isPullRequest }.map { mirror.issue($0, repository: repository) })
                }
            case .pullRequests:
                for try await page in client.pullRequests(owner: owner, repo: repo, state: .all) {
                    try await store(page.items.map { mirror.pullRequest($0, repository: repository) })
                }
            }
        }
        return .object(["repository": .string(repository), "import_type": .string(kind.rawValue),
                        "imported": .number(Double(counts.imported)), "updated": .number(Double(counts.updated)),
                        "skipped": .number(Double(counts.skipped)), "errors": .number(Double(counts.errors)),
                        "failures": .array(failures)])
    }
}
