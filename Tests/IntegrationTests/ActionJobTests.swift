import FakeGitHub
import Foundation
import Frappe
import Integration
import TestSupport
import Testing

/// Bulk imports and bulk creates are jobs on the same queue as syncs: the desk waits a bounded
/// time, then is told which GitHub Sync Run to follow, and the work goes on and is recorded.
/// (In the serialized "Sync jobs" suite: they share its FakeGitHub, whose faults are one-shot.)
extension JobTests {
    @Test("an import longer than the desk's wait answers at once with its Sync Run, goes on, and imports every issue once: Queued → Running → Succeeded")
    func longImportAnswersQueued() async throws {
        let h = try await JobHarness.shared.start()
        let repo = h.repositories[4]
        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", times: 1, kind: .delay(.seconds(2))))
        let reply = try await h.call("api.bulk_import_github_data", ["repo_full_name": repo, "import_type": "issues"])
        #expect(reply.status == 200)
        let message = try #require(reply.message)
        #expect(message["queued"] == .bool(true))
        #expect(message["job_type"]?.stringValue == "Bulk Import")
        let run = try #require(message["sync_run"]?.stringValue)
        #expect(message["message"]?.stringValue?.contains(run) == true, "the answer says where to follow the import")

        var seen = [message["status"]?.stringValue ?? ""]
        try await waitUntil("the import has finished") {
            let status = try await h.status(run) ?? ""
            if seen.last != status { seen.append(status) }
            return status == "Succeeded" || status == "Failed"
        }
        #expect(seen.contains("Running") && seen.last == "Succeeded", "\(seen)")
        let row = try #require(try await h.run(run))
        #expect(row["job_type"].string == "Bulk Import" && row["trigger"].string == "Manual")
        #expect(row["attempts"].int == 1 && row["progress"].int == 100)
        let result = try JSONValue.decode(Data((row["result"].text ?? "null").utf8))
        let expected = Set((await h.fake.state.repository(repo)?.issues ?? []).filter { $0.pull == nil }.map(\.number))
        let imported = result["imported"]?.int ?? -1, skipped = result["skipped"]?.int ?? -1
        #expect(result["errors"]?.intValue == 0)
        #expect(imported + skipped == expected.count, "every issue listed was imported or already there (\(result))")
        #expect(row["rows_inserted"].int == result["imported"]?.int)
        let stored = try await h.site.read { r in
            try r.list("Repository Issue", where: ["repository": .equals(.string(repo))], fields: ["issue_number"]).compactMap { $0["issue_number"].int }
        }
        #expect(Set(stored) == expected && stored.count == expected.count, "each issue once")
    }

    @Test("bulk create longer than the desk's wait goes on as a job; each issue is made once, and asked again it makes none")
    func bulkCreateAsJob() async throws {
        let h = try await JobHarness.shared.start()
        let repo = h.repositories[5]
        let tag = TestSite.unique("Job bulk ")
        let items: JSONValue = .array([
            .object(["title": .string("\(tag) one")]), .object(["body": .string("no title")]), .object(["title": .string("\(tag) three")]),
        ])
        await h.fake.state.inject(FakeFault(method: "POST", pathContains: "/repos/\(repo)/issues", times: 1, kind: .delay(.seconds(2))))
        let reply = try await h.call("github_api.bulk_create_issues", ["repository": repo, "issues": items.pythonJSON()])
        let message = try #require(reply.message)
        #expect(message["queued"] == .bool(true) && message["job_type"]?.stringValue == "Bulk Create", "\(message)")
        let run = try #require(message["sync_run"]?.stringValue)
        try await waitUntil("the bulk create has finished") { ["Succeeded", "Failed"].contains(try await h.status(run) ?? "") }

        let row = try #require(try await h.run(run))
        #expect(row["status"].string == "Succeeded" && row["job_type"].string == "Bulk Create")
        let result = try JSONValue.decode(Data((row["result"].text ?? "null").utf8))
        #expect(result["results"]?.array?.map { $0["status"]?.stringValue } == ["created", "failed", "created"], "\(result)")
        #expect(row["rows_inserted"].int == 2 && row["rows_failed"].int == 1)
        func onGitHub() async -> Int { (await h.fake.state.repository(repo)?.issues ?? []).filter { $0.title.hasPrefix(tag) }.count }
        #expect(await onGitHub() == 2)

        let again = try await h.call("github_api.bulk_create_issues", ["repository": repo, "issues": items.pythonJSON()], patient: true)
        #expect(again.message?["results"]?.array?.map { $0["status"]?.stringValue } == ["existing", "failed", "existing"], "\(again.json)")
        #expect(await onGitHub() == 2, "asked again, nothing is made twice")
    }
}
