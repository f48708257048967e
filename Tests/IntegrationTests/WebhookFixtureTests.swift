import Foundation
import Frappe
import Integration
import MariaDB
import TestSupport
import Testing

/// One recorded payload and what it must leave in the site once applied.
struct FixtureExpectation: Sendable, CustomTestStringConvertible {
    typealias Check = @Sendable (WebhookHarness.Running, TestRepository, Document) async throws -> Void

    let file: String
    let event: String
    /// Recorded payloads applied first (e.g. the `opened` before a `deleted`).
    var before: [(event: String, file: String)] = []
    let status: String
    var owner = "Codertocat"
    /// The repository is tracked before delivery (false: the payload's repository is unknown here).
    var tracked = true
    /// Tracked under another full name (same GitHub id): the payload renames it.
    var renamed = false
    let check: Check

    var testDescription: String { "\(file) → \(status)" }
}

private func issueIsOpenWithBugLabel(_ number: Int = 1) -> FixtureExpectation.Check {
    { h, repo, _ in
        let issue = try #require(try await h.get("Repository Issue", repo.issue(number)))
        #expect(issue["state"].string == "open")
        #expect(issue["title"].string == "Spelling error in the README file")
        #expect(issue["labels"].string == "bug")
        #expect(issue["repository"].string == repo.fullName)
        #expect(issue.children["assignees_table"]?.map { $0["github_username"].string } == ["Codertocat"])
    }
}

private func pullIs(_ state: String, reviewers: [String]) -> FixtureExpectation.Check {
    { h, repo, _ in
        let pr = try #require(try await h.get("Repository Pull Request", repo.issue(2)))
        #expect(pr["state"].string == state)
        #expect(pr["title"].string == "Update the README with new information.")
        #expect(pr["head_branch"].string == "changes")
        #expect(pr["base_branch"].string == "master")
        #expect(pr["author"].string == "Codertocat")
        #expect(pr.children["reviewers_table"]?.compactMap { $0["github_username"].string } == reviewers)
        #expect(try await h.get("Repository Issue", repo.issue(2)) == nil, "a pull request is never filed as an issue")
    }
}

private func skipped(because fragment: String) -> FixtureExpectation.Check {
    { _, _, delivery in
        #expect(delivery["last_error"].string?.contains(fragment) == true, "reason: \(delivery["last_error"].string ?? "none")")
    }
}

private let nothingMore: FixtureExpectation.Check = { _, _, _ in }

/// Every recorded payload in `../shared/fixtures/github/webhooks`, by file.
let fixtureExpectations: [FixtureExpectation] = {
    var cases: [FixtureExpectation] = []
    for file in ["issues/opened.json", "issues/opened.with-organization.json", "issues/edited.json", "issues/edited.with-organization.json",
                 "issues/assigned.json", "issues/assigned.with-installation.json", "issues/unassigned.json", "issues/labeled.json",
                 "issues/unlabeled.json", "issues/unlocked.json", "issues/reopened.json"] {
        cases.append(FixtureExpectation(file: file, event: "issues", status: "Applied", check: issueIsOpenWithBugLabel()))
    }
    cases.append(FixtureExpectation(file: "issues/deleted.json", event: "issues", before: [("issues", "issues/opened.json")], status: "Applied") { h, repo, _ in
        #expect(try await h.get("Repository Issue", repo.issue(1)) == nil)
        let kept = try await h.site.read { r in
            try r.count("Deleted Document", where: ["deleted_doctype": .equals("Repository Issue"), "deleted_name": .equals(.string(repo.issue(1)))])
        }
        #expect(kept == 1, "the deleted issue is kept as a Deleted Document")
    })
    cases.append(FixtureExpectation(file: "issues/milestoned.json", event: "issues", before: [("pull_request", "pull_request/opened.json")],
                                    status: "Applied", check: pullIs("open", reviewers: ["octocat"])))
    for file in ["pull_request/opened.json", "pull_request/opened.with-organization.json", "pull_request/reopened.json",
                 "pull_request/assigned.json", "pull_request/review_requested.json", "pull_request/labeled.json", "pull_request/locked.json"] {
        cases.append(FixtureExpectation(file: file, event: "pull_request", status: "Applied", check: pullIs("open", reviewers: ["octocat"])))
    }
    for file in ["pull_request/unassigned.json", "pull_request/unlabeled.json"] {
        cases.append(FixtureExpectation(file: file, event: "pull_request", status: "Applied", check: pullIs("open", reviewers: [])))
    }
    for file in ["pull_request/closed.json", "pull_request/closed.with-organization.json"] {
        cases.append(FixtureExpectation(file: file, event: "pull_request", before: [("pull_request", "pull_request/opened.json")],
                                        status: "Applied", check: pullIs("closed", reviewers: ["octocat"])))
    }
    for file in ["pull_request_review/submitted.json", "pull_request_review/submitted.with-organization.json"] {
        cases.append(FixtureExpectation(file: file, event: "pull_request_review", status: "Applied", check: pullIs("open", reviewers: ["octocat"])))
    }
    for file in ["push/payload.json", "push/with-installation.json"] {
        cases.append(FixtureExpectation(file: file, event: "push", status: "Skipped", check: skipped(because: "tags are not mirrored")))
    }
    cases.append(FixtureExpectation(file: "push/with-new-branch.json", event: "push", status: "Applied") { h, repo, _ in
        let doc = try #require(try await h.get("Repository", repo.fullName))
        let branch = try #require(doc.children["branches_table"]?.first { $0["branch_name"].string == "master" })
        #expect(branch["commit_sha"].string == "6113728f27ae82c7b1a177c8d03f9e96e0adf246")
        #expect(branch["repo_full_name"].string == repo.fullName)
    })
    for (event, file) in [("create", "create/payload.json"), ("create", "create/with-installation.json"),
                          ("delete", "delete/payload.json"), ("delete", "delete/with-installation.json")] {
        cases.append(FixtureExpectation(file: file, event: event, status: "Skipped", check: skipped(because: "only branches are mirrored")))
    }
    for file in ["member/added.json", "member/added.with-installation.json"] {
        cases.append(FixtureExpectation(file: file, event: "member", status: "Applied") { h, repo, _ in
            let doc = try #require(try await h.get("Repository", repo.fullName))
            let logins = doc.children["members_table"]?.compactMap { $0["github_username"].string } ?? []
            #expect(logins == ["hacktocat"])
        })
    }
    for file in ["ping/payload.json", "ping/with-app_id.json"] {
        cases.append(FixtureExpectation(file: file, event: "ping", status: "Applied", owner: "Octocoders", tracked: false) { _, _, delivery in
            #expect(delivery["last_error"].string?.hasPrefix("ping") == true)
        })
    }
    for file in ["repository/created.json", "repository/created.with-installation.json"] {
        cases.append(FixtureExpectation(file: file, event: "repository", status: "Skipped", owner: "Octocoders", tracked: false,
                                        check: skipped(because: "is not tracked on this site")))
    }
    cases.append(FixtureExpectation(file: "repository/edited.json", event: "repository", status: "Applied", owner: "Octocoders") { h, repo, _ in
        let doc = try #require(try await h.get("Repository", repo.fullName))
        #expect(doc["repo_owner"].string == "Octocoders")
        #expect(doc["default_branch"].string == "master")
    })
    cases.append(FixtureExpectation(file: "repository/edited.with-default_branch-edit.json", event: "repository", status: "Applied",
                                    owner: "Octocoders") { h, repo, _ in
        let doc = try await h.get("Repository", repo.fullName)
        #expect(doc?["default_branch"].string == "master")
    })
    cases.append(FixtureExpectation(file: "repository/publicized.json", event: "repository", status: "Applied") { h, repo, _ in
        let doc = try await h.get("Repository", repo.fullName)
        #expect(doc?["visibility"].string == "Public")
    })
    cases.append(FixtureExpectation(file: "repository/deleted.ghes-35.json", event: "repository", before: [("issues", "issues/opened.json")],
                                    status: "Applied", owner: "Octocoders") { h, repo, _ in
        let (doc, issue) = (try await h.get("Repository", repo.fullName), try await h.get("Repository Issue", repo.issue(1)))
        #expect(doc == nil)
        #expect(issue == nil)
    })
    cases.append(FixtureExpectation(file: "repository/renamed.json", event: "repository", before: [("issues", "issues/opened.json")],
                                    status: "Applied", owner: "Octocoders", renamed: true) { h, repo, _ in
        let doc = try #require(try await h.get("Repository", repo.fullName))
        #expect(doc["full_name"].string == repo.fullName)
        #expect(try await h.get("Repository", repo.fullName + "-old") == nil)
        let issue = try #require(try await h.get("Repository Issue", repo.issue(1)), "the issue follows the new name")
        #expect(issue["repository"].string == repo.fullName)
        #expect(issue.children["assignees_table"]?.first?["parent"].string == repo.issue(1))
        #expect(try await h.get("Repository Issue", repo.fullName + "-old-#1") == nil)
    })
    for (event, file) in [("installation", "installation/created.json"), ("installation", "installation/created.with-requester.json"),
                          ("installation", "installation/deleted.json"), ("installation", "installation/unsuspend.json"),
                          ("installation_repositories", "installation_repositories/added.json"),
                          ("installation_repositories", "installation_repositories/removed.json")] {
        cases.append(FixtureExpectation(file: file, event: event, status: "Skipped", tracked: false,
                                        check: skipped(because: "App's endpoint")))
    }
    return cases
}()

@Suite("Webhooks: every recorded payload, signed, over real HTTP")
struct WebhookFixtureTests {
    @Test("a recorded payload lands as the expected rows", arguments: fixtureExpectations)
    func recordedPayload(_ expectation: FixtureExpectation) async throws {
        try await Self.run(expectation, on: try await WebhookHarness.shared.start())
    }

    static func run(_ expectation: FixtureExpectation, on h: WebhookHarness.Running) async throws {
        let repo = TestRepository.make(owner: expectation.owner)
        if expectation.renamed {
            try await TestRepository(id: repo.id, fullName: repo.fullName + "-old").track(on: h.site)
        } else if expectation.tracked {
            try await repo.track(on: h.site)
        }
        for (event, file) in expectation.before {
            var prior = try RecordedPayload(file)
            prior.moveRepository(id: repo.id, fullName: repo.fullName)
            _ = try await h.deliver(event, prior)
        }
        var payload = try RecordedPayload(expectation.file)
        payload.moveRepository(id: repo.id, fullName: repo.fullName)
        let (reply, delivery) = try await h.deliver(expectation.event, payload)
        #expect(reply.status == 202)
        #expect(delivery["status"].string == expectation.status, "last_error: \(delivery["last_error"].string ?? "none")")
        #expect(delivery["event"].string == expectation.event)
        #expect(delivery["attempts"].int == 1)
        try await expectation.check(h, repo, delivery)
    }

    @Test("every file in the fixtures folder has an expectation")
    func everyFixtureCovered() throws {
        let root = Paths.sharedFixture("github/webhooks")
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".json") }
        let covered = Set(fixtureExpectations.map(\.file))
        #expect(Set(files).subtracting(covered).sorted() == [])
    }
}
