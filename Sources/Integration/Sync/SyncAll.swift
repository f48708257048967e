import Foundation
import Frappe
import GitHub

/// `sync_all_repositories`: every Repository, a few at a time, sharing one client (one budget);
/// a run waits for a rate-limit reset rather than failing.
enum SyncAll {
    static let concurrency = 3

    static func run(site: Site, client: GitHubClient, user: String) async throws -> JSONValue {
        let names = try await site.read { r in
            try r.list("Repository", where: ["enabled": .equals(.int(1))], orderBy: "name").compactMap { $0["name"].string }
        }
        var results: [String: JSONValue] = [:]
        try await withThrowingTaskGroup(of: (String, JSONValue).self) { group in
            var queue = names.makeIterator()
            func next() {
                guard let name = queue.next() else { return }
                group.addTask {
                    do {
                        let summary = try await RepositorySync(site: site, client: client, repository: name, trigger: .syncAll, user: user).run()
                        return (name, summary.json)
                    } catch {
                        return (name, .object(["error": .string(FrappeError(github: error).message)]))
                    }
                }
            }
            for _ in 0..<concurrency { next() }
            while let (name, result) = try await group.next() {
                results[name] = result
                next()
            }
        }
        return .object(["repositories": .number(Double(names.count)), "results": .object(results)])
    }
}
