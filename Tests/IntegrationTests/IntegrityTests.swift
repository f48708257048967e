import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import TestSupport
import Testing

/// Issue 11: the mirror never goes backwards, never loses a row, never writes garbage. Each test
/// drives the real binary over HTTP against FakeGitHub and a real MariaDB; races are held at a
/// known point (a withheld GitHub answer, a row lock the test holds) instead of left to timing.
@Suite("Data integrity (issue 11)", .serialized)
struct IntegrityTests {
    // MARK: 1. ordering

    @Test("a sync that read a page before a newer webhook was applied never writes that older page over it")
    func syncNeverOverwritesNewerWebhook() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = try await h.repo(0)
        try await h.sync(repo)
        let fake = try #require(await h.fake.state.repository(repo))
        let number = try #require(fake.issues.first { $0.pull == nil }?.number)
        let repositoryID = fake.id

        // T1: an edit on GitHub; the next sync reads it, and its answer is held at the fake.
        await h.fake.state.updateIssue(repo, number: number) { $0.title = "Title at T1" }
        let t1 = try #require(await h.fake.state.repository(repo)?.issues.first { $0.number == number }?.updatedAt)
        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", times: 1, kind: .applyThenHang(upTo: .seconds(60))))
        let syncing = Task { try await h.sync(repo) }
        try await waitUntil("the sync holds the page it read at T1") { await h.fake.state.withheldAnswerCount() == 1 }

        // T2: a newer edit arrives by webhook and is applied while the sync holds T1.
        let t2 = Date(timeIntervalSince1970: (t1.timeIntervalSince1970 + 60).rounded(.down))   // GitHub's times are whole seconds
        let delivery = try await h.deliver("issues", try .issue(repo: repo, repositoryID: repositoryID, number: number, title: "Title at T2", updatedAt: t2))
        #expect(delivery["status"].string == "Applied", "\(delivery["last_error"].string ?? "")")
        #expect(try await h.site.read { try $0.get("Repository Issue", Mirror.issueName(repo, number))?["title"].string } == "Title at T2")

        await h.fake.state.releaseWithheldAnswers()
        let summary = try await syncing.value
        #expect((summary["rows_older"]?.int ?? 0) >= 1, "the sync saw that the stored issue is newer: \(summary)")
        let stored = try #require(try await h.site.read { try $0.get("Repository Issue", Mirror.issueName(repo, number)) })
        #expect(stored["title"].string == "Title at T2", "the older page did not overwrite the newer webhook")
        #expect(stored["updated_at"].text == h.site.clock.local(t2).description)
    }

    // MARK: 2. rename serialises with writes

    @Test("an issue written under the old name while the repository is renamed follows the rename: no row is left behind")
    func renameWaitsForWritesUnderTheOldName() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = TestRepository.make(owner: "Codertocat")
        try await repo.track(on: h.site)
        let newName = repo.fullName + "-renamed"
        let root = try h.rootConnection()
        try root.executeText("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")

        // The test holds the row issue #41 will be written to (an uncommitted insert), so the
        // issue delivery stops right after it has found its repository.
        try root.executeText("START TRANSACTION")
        try root.execute("INSERT INTO `tabRepository Issue` (name, repository, issue_number) VALUES (?, ?, 41)",
                         [.string(repo.issue(41)), .string(repo.fullName)])
        let issue = try await h.post("issues", try .issue("opened", repo: repo.fullName, repositoryID: repo.id, number: 41,
                                                            title: "Written during a rename", updatedAt: Date()))
        try await waitUntil("the issue delivery waits on the held row") {
            try h.runningStatements(root, like: "%FROM `tabRepository Issue` WHERE name IN (?) FOR UPDATE%") > 0
        }

        var renamed = try RecordedPayload("repository/renamed.json")
        renamed.moveRepository(id: repo.id, fullName: newName)
        let rename = try await h.post("repository", renamed)
        // The rename either finishes (it did not wait for the write under the old name) or waits for it.
        try await waitUntil("the rename ran, or waits for the issue delivery") {
            try await h.status(of: rename) != "Queued" || h.runningStatements(root, like: "%FROM `tabRepository` WHERE%FOR UPDATE%") > 0
        }
        try root.executeText("ROLLBACK")

        let issueDone = try await h.webhooks.processed(issue, timeout: .seconds(60))
        let renameDone = try await h.webhooks.processed(rename, timeout: .seconds(60))
        #expect(issueDone["status"].string == "Applied", "\(issueDone["last_error"].string ?? "")")
        #expect(renameDone["status"].string == "Applied", "\(renameDone["last_error"].string ?? "")")
        try await h.site.read { (r: DocumentReader) throws -> Void in
            #expect(try r.get("Repository", repo.fullName) == nil && r.get("Repository", newName) != nil)
            let left = try r.list("Repository Issue", where: ["repository": .equals(.string(repo.fullName))])
            #expect(left.isEmpty, "no issue points at the old name: \(left.compactMap(\.name))")
            let moved = try #require(try r.get("Repository Issue", "\(newName)-#41"))
            #expect(moved["repository"].string == newName)
            #expect(try r.get("Repository Issue", repo.issue(41)) == nil)
        }
    }

    // MARK: 3. rename follows Frappe's own links

    @Test("a renamed repository's issue keeps its assignments, comments and tags: Frappe's dynamic links follow, as rename_doc does")
    func renameFollowsDynamicLinks() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = TestRepository.make(owner: "Codertocat")
        try await repo.track(on: h.site)
        let issue = try await h.deliver("issues", try .issue("opened", repo: repo.fullName, repositoryID: repo.id, number: 7,
                                                             title: "Has comments", updatedAt: Date()))
        #expect(issue["status"].string == "Applied")
        let old = repo.issue(7)
        let tag = TestSite.unique("tag")
        let assign = "[\"Administrator\"]"
        let comments = "[{\"comment\": \"looked at it\", \"by\": \"Administrator\", \"name\": \"c1\"}]"
        let (todo, comment, tagLink) = try await h.site.write(user: "Administrator") { w -> (String, String, String) in
            let todo = try w.insert(Document("ToDo", ["status": "Open", "allocated_to": "Administrator", "description": "Review",
                                                      "reference_type": "Repository Issue", "reference_name": .string(old)])).name ?? ""
            let comment = try w.insert(Document("Comment", ["comment_type": "Comment", "reference_doctype": "Repository Issue",
                                                            "reference_name": .string(old), "content": "looked at it"])).name ?? ""
            try w.insert(Document("Tag", name: tag, ["description": "t"]))
            let link = try w.insert(Document("Tag Link", ["document_type": "Repository Issue", "document_name": .string(old),
                                                          "tag": .string(tag)])).name ?? ""
            try w.setValue("Repository Issue", old, "_assign", .string(assign), updateModified: false)
            try w.setValue("Repository Issue", old, "_comments", .string(comments), updateModified: false)
            return (todo, comment, link)
        }

        let newName = repo.fullName + "-moved"
        var renamed = try RecordedPayload("repository/renamed.json")
        renamed.moveRepository(id: repo.id, fullName: newName)
        let done = try await h.deliver("repository", renamed)
        #expect(done["status"].string == "Applied", "\(done["last_error"].string ?? "")")

        let new = "\(newName)-#7"
        try await h.site.read { (r: DocumentReader) throws -> Void in
            #expect(try r.get("ToDo", todo)?["reference_name"].string == new)
            #expect(try r.get("Comment", comment)?["reference_name"].string == new)
            #expect(try r.get("Tag Link", tagLink)?["document_name"].string == new)
            let moved = try #require(try r.get("Repository Issue", new))
            #expect(moved["_assign"].string == assign)
            #expect(moved["_comments"].string == comments)
            let edits = try r.list("Comment", where: ["reference_doctype": .equals("Repository Issue"), "reference_name": .equals(.string(new)),
                                                      "comment_type": .equals("Edit")], fields: ["content"])
            #expect(edits.map { $0["content"].string } == ["renamed from <strong>\(old)</strong> to <strong>\(new)</strong>"])
        }
    }

    // MARK: 4. delivery ids whole

    @Test("delivery ids are kept whole: two ids sharing 140 characters are both refused clearly, never one dropped as a duplicate")
    func deliveryIDsWhole() async throws {
        let h = try await IntegrityHarness.shared.start()
        let prefix = String(repeating: "d", count: 132) + TestSite.unique("").prefix(8)
        let body = try RecordedPayload("ping/payload.json")
        for id in [prefix + "A", prefix + "B"] {
            let reply = try await GitHubPost.signed(h.webhooks, event: "ping", delivery: id, body: body.data)
            #expect(reply.status == 417, "\(String(decoding: reply.body, as: UTF8.self))")
            #expect(String(decoding: reply.body, as: UTF8.self).contains("X-GitHub-Delivery is 141 characters long"))
        }
        let stored = try await h.site.read { r in
            try r.list("GitHub Webhook Delivery", where: ["name": .isIn([.string(String(prefix)), .string(prefix + "A"), .string(prefix + "B")])])
        }
        #expect(stored.isEmpty, "nothing stored, nothing cut")
        let whole = String(prefix) + "C"
        let exact = String(whole.prefix(139)) + "E"
        let reply = try await GitHubPost.signed(h.webhooks, event: "ping", delivery: exact, body: body.data)
        #expect(reply.status == 202)
        #expect(try await h.site.read { try $0.get("GitHub Webhook Delivery", exact)?["delivery_id"].string } == exact)
    }

    // MARK: 5. garbage keys

    @Test("signed garbage — a non-positive or absurd number, NUL in a title, a full_name without a slash — ends Failed and writes no row")
    func garbageKeysWriteNothing() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = TestRepository.make(owner: "Codertocat")
        try await repo.track(on: h.site)
        var cases: [(String, RecordedPayload, String)] = []
        for number in [0, -3, 99_999_999_999] {
            cases.append(("issues", try .issue("opened", repo: repo.fullName, repositoryID: repo.id, number: number, title: "n", updatedAt: Date()),
                          "is not an issue or pull request number"))
        }
        cases.append(("issues", try .issue("opened", repo: repo.fullName, repositoryID: repo.id, number: 5, title: "a\u{0}b", updatedAt: Date()),
                      "NUL"))
        for bad in ["no-slash-here", "2024-13-45T99:99:99Z", "a/b/c"] {
            var payload = try RecordedPayload("repository/renamed.json")
            payload.moveRepository(id: repo.id, fullName: bad)
            cases.append(("repository", payload, "not a repository name"))
        }
        for (event, payload, reason) in cases {
            let done = try await h.deliver(event, payload)
            #expect(done["status"].string == "Failed", "\(event): \(done["last_error"].string ?? "")")
            #expect(done["last_error"].string?.contains(reason) == true, "\(done["last_error"].string ?? "")")
        }
        try await h.site.read { (r: DocumentReader) throws -> Void in
            #expect(try r.get("Repository", repo.fullName) != nil, "not renamed")
            #expect(try r.count("Repository Issue", where: ["repository": .equals(.string(repo.fullName))]) == 0)
            for bad in ["no-slash-here", "2024-13-45T99:99:99Z"] { #expect(try r.get("Repository", bad) == nil) }
        }
    }

    // MARK: 6. case

    @Test("a repository name in another case resolves to the stored document: rows never land under another spelling")
    func otherCaseResolvesToStored() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = try await h.repo(2)
        let shouted = repo.uppercased()
        #expect(shouted != repo)
        let summary = try await h.sync(shouted)
        #expect(summary["repository"]?.string == repo)
        let (status, _) = try await h.call("github_api.sync_repo_members", ["repo_full_name": shouted])
        #expect(status == 200)
        try await h.site.read { (r: DocumentReader) throws -> Void in
            let issues = try r.list("Repository Issue", where: ["repository": .equals(.string(repo))], fields: ["name", "repository"])
            #expect(!issues.isEmpty)
            #expect(issues.allSatisfy { $0["repository"].string == repo && $0.name?.hasPrefix(repo + "-#") == true },
                    "\(issues.prefix(3).map { "\($0.name ?? "") → \($0["repository"].string ?? "")" })")
            let members = try #require(try r.get("Repository", repo)?.children["members_table"])
            #expect(!members.isEmpty && members.allSatisfy { $0["repo_full_name"].string == repo })
            let runs = try r.list("GitHub Sync Run", where: ["repository": .equals(.string(repo))], fields: ["repository"])
            #expect(runs.allSatisfy { $0["repository"].string == repo })
        }
    }

    // MARK: 7. lengths

    @Test("GitHub's longest values are stored whole; an item that truly cannot be stored is skipped with its reason, the rest lands")
    func longValuesWholeOrSkipped() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = try await h.repo(4)
        var fake = try #require(await h.fake.state.repository(repo))
        let branch = "feature/" + String(repeating: "b", count: 192)
        fake.branches.append(FakeBranch(name: branch, sha: String(repeating: "a", count: 40), committedDate: Date()))
        await h.fake.state.upsertRepository(fake)
        let plain = fake.issues.filter { $0.pull == nil }.map(\.number)
        let title = String(repeating: "é", count: 200) + String(repeating: "t", count: 56)
        let body = String(repeating: "ü", count: 40_000) + String(repeating: "<b>x</b>", count: 4_000)
        let tooLong = String(repeating: "x", count: 300)
        await h.fake.state.updateIssue(repo, number: plain[0]) { $0.title = title; $0.body = body }
        await h.fake.state.updateIssue(repo, number: plain[1]) { $0.title = tooLong }

        let summary = try await h.sync(repo)
        #expect(summary["rows_skipped"]?.int == 1, "\(summary)")
        try await h.site.read { (r: DocumentReader) throws -> Void in
            let stored = try #require(try r.get("Repository", repo))
            #expect(stored.children["branches_table"]?.contains { $0["branch_name"].string == branch } == true, "a 200-character branch, whole")
            let first = try #require(try r.get("Repository Issue", Mirror.issueName(repo, plain[0])))
            #expect(first["title"].string == title)
            #expect(first["body"].text?.count == body.count, "a body over 64 KB, whole")
            #expect(try r.get("Repository Issue", Mirror.issueName(repo, plain[1])) == nil)
            #expect(try r.count("Repository Issue", where: ["repository": .equals(.string(repo))]) == plain.count - 1)
            let run = try #require(try r.list("GitHub Sync Run", where: ["repository": .equals(.string(repo)), "status": .equals("Succeeded")],
                                              fields: ["rows_skipped", "skipped"]).first)
            #expect(run["rows_skipped"].int == 1)
            #expect(run["skipped"].text?.contains(Mirror.issueName(repo, plain[1])) == true)
            #expect(run["skipped"].text?.contains("can hold 256 characters") == true, "\(run["skipped"].text ?? "")")
        }
    }

    // MARK: 8. history noise

    @Test("bookkeeping never makes history: a first sync adds one Version to the Repository, a no-change re-sync none and keeps modified")
    func noVersionNoise() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = try await h.repo(5)
        try await h.sync(repo)
        func state() async throws -> (versions: Int, modified: String?) {
            try await h.site.read { r in
                (try r.count("Version", where: ["ref_doctype": .equals("Repository"), "docname": .equals(.string(repo))]),
                 try r.get("Repository", repo)?["modified"].text)
            }
        }
        let first = try await state()
        #expect(first.versions == 1, "the mirrored values and rows, once; no Version for cursors and sync stamps")
        try await h.sync(repo)
        try await h.sync(repo)
        let again = try await state()
        #expect(again.versions == first.versions)
        #expect(again.modified == first.modified)
    }

    // MARK: 12. what Frappe's save would store

    @Test("a GitHub body or title holding <script> is stored as Frappe's save stores it: escaped, other HTML kept")
    func htmlStoredAsFrappeWould() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = TestRepository.make(owner: "Codertocat")
        try await repo.track(on: h.site)
        let done = try await h.deliver("issues", try .issue("opened", repo: repo.fullName, repositoryID: repo.id, number: 3,
                                                            title: "Fix <script>x</script>", updatedAt: Date(),
                                                            body: "<script>alert(document.cookie)</script>\n<b>bold</b> <img src=x onerror=alert(1)>"))
        #expect(done["status"].string == "Applied", "\(done["last_error"].string ?? "")")
        let stored = try #require(try await h.site.read { try $0.get("Repository Issue", repo.issue(3)) })
        #expect(stored["title"].string == "Fix &lt;script&gt;x&lt;/script&gt;")
        #expect(stored["body"].text == "&lt;script&gt;alert(document.cookie)&lt;/script&gt;\n<b>bold</b> <img src=\"x\">")
    }

    // MARK: 11. bounded reads

    @Test("get_repository_activity reads its ten newest rows in SQL, not every issue of the repository")
    func activityIsBounded() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = try await h.repo(7)
        try await h.sync(repo)
        let issues = try await h.site.read { try $0.count("Repository Issue", where: ["repository": .equals(.string(repo))]) }
        #expect(issues >= 100)
        let root = try h.rootConnection()
        try root.executeText("SET GLOBAL userstat = ON")
        let user = h.made.result.config.dbName
        func rowsSent() throws -> Int {
            try root.query("SELECT ROWS_SENT AS n FROM information_schema.USER_STATISTICS WHERE USER = ?", [.string(user)]).first?["n"].int ?? 0
        }
        // What one call costs besides the rows it reads (authentication, roles, meta checks): the
        // same call on a repository without issues.
        let empty = TestRepository.make(owner: "acme")
        try await empty.track(on: h.site)
        _ = try await h.call("github_api.get_repository_activity", ["repository": empty.fullName, "days": "36500"])
        var before = try rowsSent()
        _ = try await h.call("github_api.get_repository_activity", ["repository": empty.fullName, "days": "36500"])
        let baseline = try rowsSent() - before
        before = try rowsSent()
        let (status, body) = try await h.call("github_api.get_repository_activity", ["repository": repo, "days": "36500"])
        let sent = try rowsSent() - before - baseline
        #expect(status == 200)
        let message = try #require(body["message"])
        #expect(message["issues_updated"]?.int == issues)
        let shown = message["issues"]?.array ?? []
        #expect(shown.count == 10)
        let times = shown.compactMap { $0["updated_at"]?.string }
        #expect(times == times.sorted(by: >), "newest first")
        #expect(sent <= 2 * 10 + 10, "rows the call read beyond the baseline (\(baseline)): \(sent); the repository has \(issues) issues")
    }

    // MARK: 10. interrupted runs (last: it takes the database away from the site for a while)

    @Test("a sync cut by the database going away is queued again with the reason once it is back, and its retry completes the mirror")
    func interruptedRunEndsFailed() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = try await h.repo(6)
        let root = try h.rootConnection()
        let user = h.made.result.config.dbName
        let hosts = try root.query("SELECT Host AS h FROM mysql.user WHERE User = ?", [.string(user)]).compactMap { $0["h"].string }
        #expect(!hosts.isEmpty)
        func setLocked(_ locked: Bool) throws {
            // Names of the test's own site (hex and `%`/`localhost`): safe to spell out in this DDL.
            for host in hosts { try root.executeText("ALTER USER '\(user)'@'\(host)' ACCOUNT \(locked ? "LOCK" : "UNLOCK")") }
        }
        defer { try? setLocked(false) }

        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", times: 1, kind: .applyThenHang(upTo: .seconds(60))))
        let syncing = Task { try await h.call("github_api.sync_repo", ["repository": repo]) }
        try await waitUntil("the sync holds its first page of issues") { await h.fake.state.withheldAnswerCount() == 1 }
        let runName = try #require(try root.query("SELECT name FROM `tabGitHub Sync Run` WHERE repository = ? AND status = 'Running'",
                                                  [.string(repo)]).first?["name"].string)

        // The database "restarts": every session of the site's user is cut, and none can open until it is back.
        try setLocked(true)
        for id in try root.query("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?", [.string(user)]).compactMap({ $0["id"].int }) {
            try? root.executeText("KILL CONNECTION \(id)")
        }
        await h.fake.state.releaseWithheldAnswers()
        let (status, _) = try await syncing.value
        #expect(status != 200)
        func run() throws -> (status: String?, error: String?) {
            let row = try root.query("SELECT status, error FROM `tabGitHub Sync Run` WHERE name = ?", [.string(runName)]).first
            return (row?["status"].string, row?["error"].text)
        }
        #expect(try run().status == "Running", "while the database is away nothing can be recorded")
        // The desk's answer can come before the sync has even used the page it was sent: only once
        // the sync has failed against the dead database (and its end waits to be recorded) may it come back.
        try await waitUntil("the sync failed while the database was away", deadline: .seconds(120)) {
            h.sidecar.logText.contains("sync run \(runName) could not be closed yet")
        }

        try setLocked(false)
        try await waitUntil("the job is queued again once the database is back", deadline: .seconds(90)) {
            ["Queued", "Succeeded"].contains(try run().status ?? "")
        }
        let reason = try run().error ?? "no error"
        #expect(reason.contains("Attempt 1 of 5 failed") && reason.contains(FrappeError.databaseUnavailable.message),
                "the reason says the database was away, and stays on the record: \(reason)")

        _ = try await SyncRunFollow.finished(runName, site: h.site)
        #expect(try run().status == "Succeeded", "the retry completed it")
        let fakeIssues = try #require(await h.fake.state.repository(repo)).issues.filter { $0.pull == nil }.count
        #expect(try await h.site.read { try $0.count("Repository Issue", where: ["repository": .equals(.string(repo))]) } == fakeIssues)
    }
}
