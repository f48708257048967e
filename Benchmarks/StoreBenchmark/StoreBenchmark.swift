// Document store benchmark (ARCHITECTURE §7: 10,000 issue upserts with child rows ≤ 1.5 s).
// Run with `make bench`: a release build against a private MariaDB on a fresh dev site.
import Foundation
import Frappe
import MariaDB

@main
struct StoreBenchmark {
    static func main() async throws {
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            print("SIDECAR_TEST_MARIADB_SOCKET is not set: run `make bench`")
            exit(2)
        }
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let bench = FileManager.default.temporaryDirectory.appendingPathComponent("bench-store-\(UUID().uuidString.prefix(6))")
        let made = try await DevSite.create(DevSite.Request(
            bench: bench, site: "bench.localhost", endpoint: .unixSocket(path: socket), rootUser: "root", rootPassword: "",
            frappeFixtures: root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/frappe"),
            appFolder: root.appendingPathComponent("frappe_bridge/erpnext_github_integration")))
        let site = try await Site(config: made.config, poolSize: 2)
        let repo = "octo/bench"
        try await site.write(user: "Administrator") { w in
            try w.insert(Document("Repository", ["full_name": .string(repo), "repo_owner": "octo", "repo_name": "bench"]))
        }

        let total = 10_000, page = 100
        func issues(_ range: Range<Int>, edit: Int) -> [Document] {
            range.map { n in
                Document("Repository Issue", [
                    "repository": .string(repo), "issue_number": .int(n), "title": .string("Issue \(n) rev \(edit)"), "state": "open",
                    "url": .string("https://github.com/\(repo)/issues/\(n)"), "github_id": .string(String(100_000 + n)),
                    "created_at": "2024-01-01 10:00:00", "updated_at": .string("2024-02-01 10:00:0\(edit)"),
                    "body": .string(String(repeating: "Body text of the issue. ", count: 10)),
                ], children: ["assignees_table": [
                    Document("Repository Issue Assignee", ["issue": .string("\(repo)-#\(n)"), "github_username": "alice"]),
                    Document("Repository Issue Assignee", ["issue": .string("\(repo)-#\(n)"), "github_username": .string("dev\(n % 7)")]),
                ]])
            }
        }
        func run(edit: Int) async throws -> (Duration, UpsertSummary) {
            let start = ContinuousClock.now
            var summary = UpsertSummary()
            for offset in stride(from: 1, through: total, by: page) {
                let docs = issues(offset..<offset + page, edit: edit)
                let s = try await site.write(user: "Administrator") { try $0.upsert(docs, childKeys: ["assignees_table": "github_username"]) }
                summary.inserted += s.inserted; summary.updated += s.updated; summary.unchanged += s.unchanged
            }
            return (ContinuousClock.now - start, summary)
        }
        let (insertTime, inserted) = try await run(edit: 1)
        let (sameTime, same) = try await run(edit: 1)
        let (updateTime, updated) = try await run(edit: 2)
        try await site.close()

        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        func row(_ label: String, _ d: Duration, _ s: UpsertSummary) -> String {
            let t = seconds(d)
            return "| \(label) | \(s.inserted)/\(s.updated)/\(s.unchanged) | \(String(format: "%.2f s", t)) | \(Int(Double(total) / t)) docs/s | \(t <= 1.5 ? "within" : "over") 1.5 s |"
        }
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        print("Document store: \(total) Repository Issue upserts, 2 assignee rows each, pages of \(page), one transaction per page")
        print("Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu); date \(ISO8601DateFormatter().string(from: Date()))")
        print("| pass | inserted/updated/unchanged | wall | rate | budget |")
        print("| --- | --- | --- | --- | --- |")
        print(row("first write", insertTime, inserted))
        print(row("same data again", sameTime, same))
        print(row("every issue edited", updateTime, updated))
        try? FileManager.default.removeItem(at: bench)
    }
}
