import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import TestSupport
import Testing

/// A site of its own mirroring FakeGitHub's `acme` organisation over real HTTP.
actor SyncHarness {
    static let shared = SyncHarness()
    static let token = "sync-test-token"

    struct Running: Sendable {
        let site: Site
        let fake: FakeGitHubServer
        /// The real `github-sidecar serve` binary, on this site's bench.
        let sidecar: SidecarProcess
        let made: TestSite.Made
    }

    private let once = StartOnce<Running>()

    func start() async throws -> Running { try await once.value { try await Self.make() } }

    private static func make() async throws -> Running {
        let made = try await TestSite.dedicated("sync")
        let seed = FakeSeedGenerator(organization: "acme", repositories: 8, issues: 250, pullRequests: 60, branches: 12,
                                     collaborators: 5, tokens: [Self.token]).generate()
        let fake = try await FakeGitHubServer.start(seed: seed)
        _ = try await Install.run(site: made.site, user: "Administrator")
        let base = fake.baseURL
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["enabled": .int(1), "personal_access_token": .string(Self.token), "api_base_url": .string(base)])
            for repo in seed.repositories {
                try w.insert(Document("Repository", ["full_name": .string(repo.fullName), "repo_owner": .string(repo.owner), "repo_name": .string(repo.name)]))
            }
        }
        return Running(site: made.site, fake: fake, sidecar: try await SidecarProcess.started(bench: made.bench), made: made)
    }
}

/// `github_api.sync_repo` on the real binary over HTTP, against FakeGitHub and the real schema.
@Suite("Repository sync, end to end", .serialized)
struct SyncTests {
    /// Calls `sync_repo` over HTTP; a Frappe error answer is thrown as that FrappeError. An answer
    /// that the sync goes on in the background (a slow machine) is followed to the job's end.
    func sync(_ h: SyncHarness.Running, _ repo: String) async throws -> SyncSummary {
        let reply = try await h.sidecar.call("github_api.sync_repo", site: h.made.result, args: ["repository": repo])
        let body = try Frappe.JSONValue.decode(reply.body)
        guard reply.status == 200, var message = body["message"] else {
            let type = FrappeExceptionType(rawValue: body["exc_type"]?.string ?? "") ?? .internalError
            throw FrappeError(type, Self.serverMessage(body) ?? "HTTP \(reply.status)",
                              cause: body["exc_cause"]?.string.map(FrappeError.Cause.init(rawValue:)))
        }
        message = try await SyncRunFollow.result(of: message, site: h.site)
        var summary = SyncSummary()
        summary.repository = message["repository"]?.string ?? ""
        summary.calls = message["github_calls"]?.int ?? -1
        summary.notModified = message["not_modified"]?.int ?? -1
        summary.graphQL = message["graphql_calls"]?.int ?? -1
        summary.inserted = message["rows_inserted"]?.int ?? -1
        summary.updated = message["rows_updated"]?.int ?? -1
        summary.unchanged = message["rows_unchanged"]?.int ?? -1
        summary.deleted = message["rows_deleted"]?.int ?? -1
        return summary
    }

    static func serverMessage(_ body: Frappe.JSONValue) -> String? {
        guard let outer = body["_server_messages"]?.string, case .array(let list)? = try? Frappe.JSONValue.decode(Data(outer.utf8)),
              let first = list.first?.string, let inner = try? Frappe.JSONValue.decode(Data(first.utf8)) else { return nil }
        return inner["message"]?.string
    }

    /// Each test mirrors a repository of its own, so the tests do not depend on their order.
    func repo(_ h: SyncHarness.Running, _ index: Int) async throws -> String {
        let names = await h.fake.state.repositoryNames()
        return try #require(names.count > index ? names[index] : nil)
    }

    @Test("a first sync lands exactly the fake's issues, pull requests, branches and members, in the site's time zone")
    func firstSyncIsExact() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 0)
        let summary = try await sync(h, repo)
        let fake = try await expectExactMirror(h, repo)
        let fakeIssues = fake.issues.filter { $0.pull == nil }, fakePulls = fake.issues.filter { $0.pull != nil }
        #expect(summary.inserted == fakeIssues.count + fakePulls.count)
        let minimum = 1 + 1 + 1 + Int((Double(fake.issues.count) / 100).rounded(.up)) + Int((Double(fakePulls.count) / 100).rounded(.up))
        #expect(summary.calls - summary.graphQL <= minimum + 2, "REST calls near the page-count minimum (\(minimum))")
        #expect(summary.graphQL == 1, "one GraphQL query for the branch heads")
    }

    @Test("a re-sync with nothing changed makes only conditional requests, all 304, no GraphQL, and writes nothing")
    func resyncIsFree() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 1)
        _ = try await sync(h, repo)
        let before = try await modifiedStamps(h, repo)
        await h.fake.state.clearRequestLog()
        let summary = try await sync(h, repo)
        #expect(summary.calls > 0 && summary.calls == summary.notModified, "every call answered 304: \(summary)")
        #expect(summary.graphQL == 0)
        #expect(summary.inserted == 0 && summary.updated == 0)
        let log = await h.fake.state.requestLog()
        #expect(log.allSatisfy { $0.conditional && $0.status == 304 }, "\(log.map { "\($0.method) \($0.path) \($0.status ?? 0)" })")
        #expect(try await modifiedStamps(h, repo) == before)
    }

    @Test("after 5 issues, 1 pull request and 1 branch change on GitHub, the next sync moves exactly those")
    func incrementalSync() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 2)
        _ = try await sync(h, repo)
        let fake = try #require(await h.fake.state.repository(repo))
        let issues = fake.issues.filter { $0.pull == nil }.prefix(5).map(\.number)
        let pull = try #require(fake.issues.first { $0.pull != nil && $0.state == "open" }?.number)
        for n in issues { await h.fake.state.updateIssue(repo, number: n) { $0.title = "Edited on GitHub \(n)" } }
        await h.fake.state.updateIssue(repo, number: pull) { $0.state = "closed"; $0.closedAt = Date() }
        var changed = try #require(await h.fake.state.repository(repo))
        let removed = try #require(changed.branches.last?.name)
        changed.branches.removeLast()
        await h.fake.state.upsertRepository(changed)
        let before = try await modifiedStamps(h, repo)
        let summary = try await sync(h, repo)
        #expect(summary.inserted == 0)
        #expect(summary.updated == issues.count + 1 + 1, "5 issues, 1 pull request, the repository: \(summary)")
        let after = try await modifiedStamps(h, repo)
        let moved = Set(after.filter { before[$0.key] != $0.value }.keys)
        #expect(moved == Set(issues.map { "\(repo)-#\($0)" } + ["\(repo)-#\(pull)"]))
        try await h.site.read { r in
            for n in issues { #expect(try r.get("Repository Issue", "\(repo)-#\(n)")?["title"].string == "Edited on GitHub \(n)") }
            #expect(try r.get("Repository Pull Request", "\(repo)-#\(pull)")?["state"].string == "closed")
            let branches = try r.get("Repository", repo)?.children["branches_table"]?.compactMap { $0["branch_name"].string } ?? []
            #expect(!branches.contains(removed) && branches.count == fake.branches.count - 1)
        }
    }

    @Test("a sync cut short part-way resumes on the next run: nothing skipped, nothing doubled")
    func interruptedSyncResumes() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 3)
        // The second page of the issues list fails until the first run gives up.
        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", skip: 1, times: 20,
                                            kind: .status(502, message: "Bad Gateway")))
        // The job's first attempt fails; the desk is told at once that it will be tried again.
        let reply = try await h.sidecar.call("github_api.sync_repo", site: h.made.result, args: ["repository": repo])
        let answer = try #require(try Frappe.JSONValue.decode(reply.body)["message"])
        #expect(answer["queued"] == .bool(true), "\(answer)")
        let job = try #require(answer["sync_run"]?.string)
        try await waitUntil("the first attempt has ended") {
            try await h.site.read { r in
                let row = try r.get("GitHub Sync Run", job)
                return row?["status"].string != "Running" && !(row?["error"].string ?? "").isEmpty
            }
        }
        let afterFirst = try #require(try await h.site.read { try $0.get("GitHub Sync Run", job) })
        #expect(afterFirst["status"].string == "Queued" && afterFirst["error"].string?.contains("Attempt 1 of 5 failed") == true,
                "the job waits for its next attempt: \(afterFirst["status"].string ?? "") \(afterFirst["error"].string ?? "")")
        let partial = try await h.site.read { r in try r.count("Repository Issue", where: ["repository": .equals(.string(repo))]) }
        let pending = try await h.site.read { r in try r.get("Repository", repo)?["issues_cursor"].string ?? "" }
        #expect(pending.hasPrefix("pending:"), "the cut-short walk is marked")
        await h.fake.state.clearFaults()

        // Its next attempt (after the backoff) resumes the walk.
        _ = try await SyncRunFollow.finished(job, site: h.site)
        let fake = try #require(await h.fake.state.repository(repo))
        try await h.site.read { r in
            let count = try r.count("Repository Issue", where: ["repository": .equals(.string(repo))])
            #expect(count == fake.issues.filter { $0.pull == nil }.count)
            #expect(count > partial)
            #expect(try r.get("Repository", repo)?["issues_cursor"].string?.hasPrefix("pending") == false)
            let runs = try r.list("GitHub Sync Run", where: ["repository": .equals(.string(repo))], fields: ["status", "attempts", "error"])
            #expect(runs.count == 1 && runs.first?["status"].string == "Succeeded", "one job, and it succeeded")
            #expect(runs.first?["attempts"].int == 2, "its second attempt: \(runs.first?["error"].string ?? "")")
        }
    }

    @Test("the users of a Project linked to the repository follow its collaborators, matched on github_username")
    func projectUsersFollowCollaborators() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 5)
        let login = try #require(await h.fake.state.repository(repo)?.collaborators.first?.login)
        let user = "\(TestSite.unique("dev"))@example.com"
        let project = try await h.site.write(user: "Administrator") { w -> String in
            try w.insert(Document("User", name: user, ["email": .string(user), "first_name": "Dev", "enabled": .int(1),
                                                       "user_type": "System User", "github_username": .string(login)]))
            return try w.insert(Document("Project", ["naming_series": "PROJ-.####", "project_name": .string(TestSite.unique("p")),
                                                     "company": "Test Co", "repository": .string(repo)])).name ?? ""
        }
        _ = try await sync(h, repo)
        try await h.site.read { r in
            let users = try r.get("Project", project)?.children["users"]?.compactMap { $0["user"].string } ?? []
            #expect(users == [user])
            #expect(try r.get("Project", project)?.children["users"]?.first?["email"].string == user, "fetched fields filled as Frappe would")
        }
    }

    func modifiedStamps(_ h: SyncHarness.Running, _ repo: String) async throws -> [String: String] {
        try await h.site.read { r in
            var out: [String: String] = [:]
            for doctype in ["Repository Issue", "Repository Pull Request"] {
                for row in try r.list(doctype, where: ["repository": .equals(.string(repo))], fields: ["name", "modified"]) {
                    out[row["name"].string ?? ""] = row["modified"].text
                }
            }
            return out
        }
    }
}
