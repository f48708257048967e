import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import TestSupport
import Testing

/// A first sync fetches ahead and walks its lists at the same time (issue 14): whatever order the
/// pages arrive in, and whatever GitHub says in the middle, the mirror ends exact and holds what
/// the original app stored.
extension SyncTests {
    /// Checks that the mirror of `repo` is exactly FakeGitHub's (issues, pull requests with their
    /// states, branches and their heads, members, cursors complete); returns the fake's repository.
    @discardableResult
    func expectExactMirror(_ h: SyncHarness.Running, _ repo: String) async throws -> FakeRepository {
        let fake = try #require(await h.fake.state.repository(repo))
        let fakeIssues = fake.issues.filter { $0.pull == nil }, fakePulls = fake.issues.filter { $0.pull != nil }
        let clock = h.site.clock
        try await h.site.read { r in
            let issues = try r.list("Repository Issue", where: ["repository": .equals(.string(repo))],
                                    fields: ["name", "issue_number", "title", "state", "updated_at"])
            #expect(issues.count == fakeIssues.count, "pull requests are not filed as issues")
            let byNumber = Dictionary(uniqueKeysWithValues: issues.map { ($0["issue_number"].int ?? 0, $0) })
            for issue in fakeIssues {
                let row = try #require(byNumber[issue.number])
                #expect(row["name"].string == "\(repo)-#\(issue.number)")
                #expect(row["title"].string == String(issue.title.prefix(140)))
                #expect(row["state"].string == issue.state)
                #expect(row["updated_at"].text == clock.local(issue.updatedAt).description)
            }
            let pulls = try r.list("Repository Pull Request", where: ["repository": .equals(.string(repo))], fields: ["pr_number", "state"])
            #expect(pulls.count == fakePulls.count)
            let pullStates = Dictionary(uniqueKeysWithValues: pulls.map { ($0["pr_number"].int ?? 0, $0["state"].string ?? "") })
            for pr in fakePulls {
                let expected = pr.pull?.merged == true ? "merged" : pr.state
                #expect(pullStates[pr.number] == expected, "PR #\(pr.number)")
            }
            let doc = try #require(try r.get("Repository", repo))
            #expect(Set(doc.children["branches_table"]?.compactMap { $0["branch_name"].string } ?? []) == Set(fake.branches.map(\.name)))
            #expect(Set(doc.children["branches_table"]?.compactMap { $0["commit_sha"].string } ?? []) == Set(fake.branches.map(\.sha)))
            #expect(Set(doc.children["members_table"]?.compactMap { $0["github_username"].string } ?? []) == Set(fake.collaborators.map(\.login)))
            #expect(doc["issues_cursor"].string?.hasPrefix("pending") == false)
            #expect(doc["is_synced"].int == 1)
        }
        return fake
    }

    @Test("pages that arrive out of order leave the mirror exact")
    func outOfOrderPages() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 4)
        // The second page of issues is answered only after the third and fourth are.
        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", queryContains: "&page=2&",
                                            kind: .applyThenHang()))
        let syncing = Task { try await sync(h, repo) }
        try await waitUntil("pages 3 and 4 are answered while page 2 is held back") {
            let log = await h.fake.state.requestLog().filter { $0.pathWithoutQuery == "/repos/\(repo)/issues" && $0.completedAt != nil }
            return log.contains { $0.path.contains("&page=3") } && log.contains { $0.path.contains("&page=4") }
        }
        await h.fake.state.releaseWithheldAnswers()
        let summary = try await syncing.value
        let fake = try await expectExactMirror(h, repo)
        #expect(summary.inserted == fake.issues.count)
    }

    @Test("a secondary limit in the middle of a concurrent first sync slows it down, and it completes exact")
    func secondaryLimitMidWalk() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 6)
        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", queryContains: "&page=3&",
                                            kind: .secondaryLimit(retryAfter: 1, status: 403)))
        await h.fake.state.clearRequestLog()
        let summary = try await sync(h, repo)
        try await expectExactMirror(h, repo)
        let pageThree = await h.fake.state.requestLog().filter { $0.pathWithoutQuery == "/repos/\(repo)/issues" && $0.path.contains("&page=3") }
        #expect(pageThree.map(\.status) == [403, 200], "the refused page was asked again once the pause was over")

        // The re-sync is still all 304: the retried page's ETag was kept like the others.
        let again = try await sync(h, repo)
        #expect(again.calls == again.notModified && again.inserted == 0, "\(again)")
        #expect(summary.calls > again.calls)
    }

    @Test("members' e-mail and role, and issue labels, are what the original app stored from the same GitHub data")
    func contentAsTheOriginal() async throws {
        let h = try await SyncHarness.shared.start()
        let repo = try await repo(h, 7)
        let fake = try #require(await h.fake.state.repository(repo))
        let labelled = try #require(fake.issues.first { $0.pull == nil }?.number)
        await h.fake.state.updateIssue(repo, number: labelled) { $0.labels = ["bug", "priority: high", "good first issue"] }
        _ = try await sync(h, repo)

        // What the original read for the same fields: the REST collaborators list, one profile per member, the issue.
        let github = GitHubClient(configuration: GitHubConfiguration(baseURL: h.fake.baseURL), auth: .token(GitHubToken(SyncHarness.token)))
        let (owner, name) = (String(repo.split(separator: "/")[0]), String(repo.split(separator: "/")[1]))
        let collaborators = try await github.collaborators(owner: owner, repo: name).collect()
        var emails: [String: String?] = [:]
        for collaborator in collaborators { emails[collaborator.login] = try await github.user(login: collaborator.login).email }
        let issue = try await github.issue(owner: owner, repo: name, number: labelled)

        let stored = try #require(try await h.site.read { try $0.get("Repository", repo) })
        let members = stored.children["members_table"] ?? []
        #expect(members.count == collaborators.count)
        for collaborator in collaborators {
            let row = try #require(members.first { $0["github_username"].string == collaborator.login })
            // The original: `maintainer` if permissions.admin else `member`; e-mail from GET /users/{login}.
            #expect(row["role"].string == (collaborator.permissions?.admin == true ? "maintainer" : "member"), "\(collaborator.login)")
            #expect(row["email"].string == emails[collaborator.login] ?? nil, "\(collaborator.login)")
        }
        #expect(members.contains { $0["email"].string?.isEmpty == false }, "the sample's members have public e-mails")
        let labels = try await h.site.read { try $0.get("Repository Issue", "\(repo)-#\(labelled)")?["labels"].string }
        #expect(labels == (issue.labels ?? []).map(\.name).joined(separator: ","))
        #expect(labels == "bug,priority: high,good first issue")
    }
}
