import Foundation
import Frappe
import MariaDB
import TestSupport
import Testing

@Suite("Document store writes what Frappe's ORM would")
struct DocumentStoreTests {
    func repository(_ fullName: String) -> Document {
        Document("Repository", ["full_name": .string(fullName), "repo_owner": .string(String(fullName.split(separator: "/")[0])),
                                "repo_name": .string(String(fullName.split(separator: "/")[1])), "visibility": "Public"])
    }

    @Test("Repository Issue 42 of octo/hello is named octo/hello-#42, with Frappe's standard columns")
    func formatNaming() async throws {
        let site = try await TestSite.shared().site
        let repo = "octo/\(TestSite.unique("hello"))"
        let before = Date()
        let issue = try await site.write(user: "Administrator") { w in
            try w.insert(repository(repo))
            return try w.insert(Document("Repository Issue", ["repository": .string(repo), "issue_number": 42, "title": "Crash on start",
                                                              "state": "open"]))
        }
        let after = Date()
        #expect(issue.name == "\(repo)-#42")
        let root = try await TestSite.rootConnection()
        let row = try #require(try root.query("SELECT * FROM `tabRepository Issue` WHERE name = ?", [.string("\(repo)-#42")]).first)
        #expect(row["owner"].string == "Administrator")
        #expect(row["modified_by"].string == "Administrator")
        #expect(row["docstatus"].int == 0)
        #expect(row["issue_number"].int == 42)
        guard case .datetime(let created) = row["creation"] else { Issue.record("creation is not a datetime"); return }
        #expect(row["modified"] == row["creation"])
        // Written in the site's zone (Asia/Kolkata), not UTC: read back in that zone, it is the
        // moment of the write (between the instants taken around it; a UTC write would be 5.5 h off).
        let kolkata = SiteClock(identifier: "Asia/Kolkata")
        let instant = try #require(kolkata.instant(created))
        #expect(instant >= before.addingTimeInterval(-1) && instant <= after.addingTimeInterval(1))
    }

    @Test("a naming series hands out consecutive numbers to 8 concurrent inserters, no gap, no duplicate")
    func namingSeriesUnderConcurrency() async throws {
        let site = try await TestSite.shared().site
        let series = "PROJ-"
        let root = try await TestSite.rootConnection()
        let start = try root.query("SELECT current FROM tabSeries WHERE name = ?", [.string(series)]).first?["current"].int ?? 0
        let names = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var names: [String] = []
                    for i in 0..<5 {
                        let doc = try await site.write(user: "Administrator") { w in
                            try w.insert(Document("Project", ["naming_series": .string("\(series).####"), "company": "Test Co",
                                                              "project_name": .string(TestSite.unique("p\(worker)-\(i)-"))]))
                        }
                        names.append(doc.name ?? "")
                    }
                    return names
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(names.count == 40)
        #expect(Set(names).count == 40, "no duplicate names")
        #expect(names.sorted() == (start + 1...start + 40).map { String(format: "\(series)%04d", $0) }, "consecutive, no gap")
        #expect(try root.query("SELECT current FROM tabSeries WHERE name = ?", [.string(series)]).first?["current"].int == start + 40)
    }

    @Test("child rows get 10-character base32hex names, 1-based idx and their parent's columns")
    func childRows() async throws {
        let site = try await TestSite.shared().site
        let repo = "octo/\(TestSite.unique("kids"))"
        let issueName = "\(repo)-#7"
        try await site.write(user: "Administrator") { w in
            try w.insert(repository(repo))
            try w.insert(Document("Repository Issue", ["repository": .string(repo), "issue_number": 7], children: ["assignees_table": [
                Document("Repository Issue Assignee", ["issue": .string(issueName), "github_username": "alice"]),
                Document("Repository Issue Assignee", ["issue": .string(issueName), "github_username": "bob"]),
            ]]))
        }
        let root = try await TestSite.rootConnection()
        let rows = try root.query("SELECT * FROM `tabRepository Issue Assignee` WHERE parent = ? ORDER BY idx", [.string(issueName)])
        #expect(rows.map { $0["github_username"].string } == ["alice", "bob"])
        #expect(rows.map { $0["idx"].int } == [1, 2])
        for row in rows {
            let name = try #require(row["name"].string)
            #expect(name.count == 10)
            #expect(name.allSatisfy { "0123456789abcdefghijklmnopqrstuv".contains($0) })
            #expect(row["parenttype"].string == "Repository Issue")
            #expect(row["parentfield"].string == "assignees_table")
        }
    }

    @Test("updating bumps modified, writes Frappe's Version shape, and keeps unchanged child rows' names")
    func updateWritesVersion() async throws {
        let site = try await TestSite.shared().site
        let repo = "octo/\(TestSite.unique("ver"))"
        @Sendable func branch(_ name: String, _ sha: String) -> Document {
            Document("Repository Branch", ["repo_full_name": .string(repo), "branch_name": .string(name), "commit_sha": .string(sha)])
        }
        @Sendable func member(_ login: String) -> Document {
            Document("Repository Member", ["repo_full_name": .string(repo), "github_username": .string(login), "role": "member"])
        }
        let first = try await site.write(user: "Administrator") { w in
            var doc = repository(repo)
            doc.children = ["branches_table": [branch("main", "aaa"), branch("dev", "bbb")], "members_table": [member("alice"), member("bob")]]
            return try w.insert(doc)
        }
        try await Task.sleep(for: .milliseconds(5))
        let second = try await site.write(user: "Administrator") { w -> Document in
            var doc = Document("Repository", name: repo, ["default_branch": "main"])
            doc.children = ["branches_table": [branch("main", "aaa"), branch("dev", "ccc")], "members_table": [member("alice"), member("carol")]]
            // Branch rows are named by hash (a ref of 255 characters does not fit a name), so they are matched by branch name.
            try w.upsert([doc], childKeys: ["branches_table": "branch_name", "members_table": "github_username"])
            return try #require(try w.get("Repository", repo))
        }
        guard case .datetime(let before) = first["modified"], case .datetime(let after) = second["modified"] else {
            Issue.record("modified missing"); return
        }
        #expect(after > before)
        let members1 = first.children["members_table"] ?? []
        let members2 = second.children["members_table"] ?? []
        #expect(members1.first?.name == members2.first?.name, "alice's row keeps its name")
        #expect(members1.last?.name != members2.last?.name, "carol is a new row")
        let devRow = first.children["branches_table"]?.last?.name
        #expect(second.children["branches_table"]?.map(\.name) == first.children["branches_table"]?.map(\.name), "changed rows keep their names")

        let root = try await TestSite.rootConnection()
        let version = try #require(try root.query("SELECT * FROM tabVersion WHERE ref_doctype = 'Repository' AND docname = ?", [.string(repo)]).first)
        let data = try #require(version["data"].string)
        let diff = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        #expect(Set(diff.keys) == ["changed", "added", "removed", "row_changed", "data_import", "updater_reference"])
        let changed = try #require(diff["changed"] as? [[Any]])
        #expect(changed.contains { $0.first as? String == "default_branch" && $0.last as? String == "main" })
        let added = try #require(diff["added"] as? [[Any]])
        #expect(added.count == 1 && (added[0][1] as? [String: Any])?["github_username"] as? String == "carol")
        let removed = try #require(diff["removed"] as? [[Any]])
        #expect(removed.count == 1 && (removed[0][1] as? [String: Any])?["github_username"] as? String == "bob")
        let rowChanged = try #require(diff["row_changed"] as? [[Any]])
        #expect(rowChanged.count == 1)
        #expect(rowChanged.first?[0] as? String == "branches_table")
        #expect(rowChanged.first?[2] as? String == devRow)
        let bobRows = try root.query("SELECT name FROM `tabRepository Member` WHERE parent = ? AND github_username = 'bob'", [.string(repo)])
        #expect(bobRows.isEmpty, "removed child rows are deleted")
    }

    @Test("an upsert with nothing changed writes nothing and keeps modified")
    func unchangedUpsert() async throws {
        let site = try await TestSite.shared().site
        let repo = "octo/\(TestSite.unique("same"))"
        let docs = (1...3).map { n in
            Document("Repository Issue", ["repository": .string(repo), "issue_number": .int(n), "title": .string("Issue \(n)"), "state": "open",
                                          "updated_at": "2024-05-01 10:00:00"],
                     children: ["assignees_table": [Document("Repository Issue Assignee", ["issue": .string("\(repo)-#\(n)"), "github_username": "alice"])]])
        }
        let first = try await site.write(user: "Administrator") { w -> UpsertSummary in
            try w.insert(repository(repo))
            return try w.upsert(docs, childKeys: ["assignees_table": "github_username"])
        }
        #expect(first.inserted == 3)
        let root = try await TestSite.rootConnection()
        let before = try root.query("SELECT name, modified FROM `tabRepository Issue` WHERE repository = ? ORDER BY name", [.string(repo)])
        let again = try await site.write(user: "Administrator") { try $0.upsert(docs, childKeys: ["assignees_table": "github_username"]) }
        #expect(again.unchanged == 3 && again.inserted == 0 && again.updated == 0)
        let after = try root.query("SELECT name, modified FROM `tabRepository Issue` WHERE repository = ? ORDER BY name", [.string(repo)])
        #expect(before.map(\.values) == after.map(\.values))
    }

    @Test("a duplicate name is a DuplicateEntryError (409) and a missing mandatory value a MandatoryError (417)")
    func errors() async throws {
        let site = try await TestSite.shared().site
        let repo = "octo/\(TestSite.unique("dup"))"
        try await site.write(user: "Administrator") { try $0.insert(repository(repo)) }
        let duplicate = await #expect(throws: FrappeError.self) {
            try await site.write(user: "Administrator") { try $0.insert(repository(repo)) }
        }
        #expect(duplicate?.type == .duplicateEntryError && duplicate?.httpStatus == 409)
        let mandatory = await #expect(throws: FrappeError.self) {
            try await site.write(user: "Administrator") { try $0.insert(Document("Repository Issue", ["repository": .string(repo)])) }
        }
        #expect(mandatory?.type == .mandatoryError && mandatory?.httpStatus == 417)
        #expect(mandatory?.message == "Error: Value missing for Repository Issue: Issue Number")
        let select = await #expect(throws: FrappeError.self) {
            try await site.write(user: "Administrator") { w in
                try w.insert(Document("Repository Issue", ["repository": .string(repo), "issue_number": 1, "state": "bogus"]))
            }
        }
        #expect(select?.message == " State cannot be \"bogus\". It should be one of \"open\", \"closed\"")
    }

    @Test("a failed multi-table write leaves nothing behind")
    func atomicity() async throws {
        let site = try await TestSite.shared().site
        let repo = "octo/\(TestSite.unique("atom"))"
        await #expect(throws: FrappeError.self) {
            try await site.write(user: "Administrator") { w in
                try w.insert(repository(repo))
                try w.insert(Document("Repository Issue", ["repository": .string(repo), "issue_number": 1], children: ["assignees_table": [
                    Document("Repository Issue Assignee", ["github_username": "no-issue-link"]),
                ]]))
            }
        }
        let root = try await TestSite.rootConnection()
        #expect(try root.query("SELECT name FROM tabRepository WHERE name = ?", [.string(repo)]).isEmpty)
        #expect(try root.query("SELECT name FROM `tabRepository Issue` WHERE repository = ?", [.string(repo)]).isEmpty)
    }

    @Test("deleting keeps a Deleted Document with the document's JSON, children included")
    func deleteKeepsDeletedDocument() async throws {
        let site = try await TestSite.shared().site
        let repo = "octo/\(TestSite.unique("del"))"
        try await site.write(user: "Administrator") { w in
            var doc = repository(repo)
            doc.children = ["members_table": [Document("Repository Member", ["repo_full_name": .string(repo), "github_username": "alice"])]]
            try w.insert(doc)
        }
        try await site.write(user: "Administrator") { try $0.delete("Repository", repo) }
        let root = try await TestSite.rootConnection()
        #expect(try root.query("SELECT name FROM tabRepository WHERE name = ?", [.string(repo)]).isEmpty)
        #expect(try root.query("SELECT name FROM `tabRepository Member` WHERE parent = ?", [.string(repo)]).isEmpty)
        let row = try #require(try root.query("SELECT * FROM `tabDeleted Document` WHERE deleted_name = ?", [.string(repo)]).first)
        #expect(row["deleted_doctype"].string == "Repository")
        let data = try #require(try JSONSerialization.jsonObject(with: Data((row["data"].string ?? "").utf8)) as? [String: Any])
        #expect(data["doctype"] as? String == "Repository")
        #expect((data["members_table"] as? [[String: Any]])?.first?["github_username"] as? String == "alice")
        let missing = await #expect(throws: FrappeError.self) { try await site.write(user: "Administrator") { try $0.delete("Repository", repo) } }
        #expect(missing?.type == .doesNotExistError)
    }
}
