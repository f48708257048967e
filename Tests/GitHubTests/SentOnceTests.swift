import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("Sent once: creates survive lost answers without duplicates")
struct SentOnceTests {
    static let repo = "acme/widgets"

    func issues(titled title: String, in server: FakeGitHubServer) async -> [FakeIssue] {
        await server.state.repository(Self.repo)?.issues.filter { $0.title == title } ?? []
    }

    func posts(_ server: FakeGitHubServer, to suffix: String) async -> [FakeRequestLogEntry] {
        await server.state.requestLog().filter { $0.method == "POST" && $0.pathWithoutQuery.hasSuffix(suffix) }
    }

    @Test("An issue whose answer is lost is found by its marker: exactly one exists and it is the one returned")
    func lostAnswerIssue() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "POST", pathContains: "/issues", kind: .applyThenHang()))
            let client = TestData.client(server, timeout: .seconds(2))
            let result = try await client.createIssueOnce(
                owner: "acme", repo: "widgets", CreateIssue(title: "Printer on fire", body: "Smoke.", labels: ["bug"]),
                operationID: "desk-7f3a")

            #expect(result.origin == .recovered)
            let onGitHub = await issues(titled: "Printer on fire", in: server)
            #expect(onGitHub.count == 1, "exactly one issue on GitHub")
            #expect(result.value.number == onGitHub.first?.number)
            #expect(result.value.id == onGitHub.first?.id)

            let sent = await posts(server, to: "/repos/acme/widgets/issues")
            #expect(sent.count == 1, "the create was never sent twice")
            #expect(sent.first?.answerWithheld == true)
            #expect(sent.first?.bodyJSON?["title"]?.stringValue == "Printer on fire")
            #expect(sent.first?.bodyJSON?["body"]?.stringValue == "Smoke.\n\n<!-- erpnext-github-op:desk-7f3a -->")
            #expect(sent.first?.bodyJSON?["labels"] == .array([.string("bug")]))
            #expect(GitHubOperationMarker.operationID(in: result.value.body) == "desk-7f3a")
            #expect(GitHubOperationMarker.strippingMarkers(from: result.value.body) == "Smoke.")

            let lookups = await server.state.requestLog().filter { $0.method == "GET" }
            #expect(lookups.count == 1)
            #expect(lookups.first?.query["sort"] == "created")
            #expect(lookups.first?.query["direction"] == "desc")
            #expect(lookups.first?.query["state"] == "all")
        }
    }

    @Test("A create GitHub certainly did not apply (502, nothing found after the settle time) is sent once more")
    func notAppliedIsResent() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(now: clock.nowFunction)) { server in
            await server.state.inject(FakeFault(method: "POST", pathContains: "/issues", times: 1, kind: .status(502, message: "Bad Gateway")))
            let client = TestData.client(server, clock: clock)
            let result = try await client.createIssueOnce(owner: "acme", repo: "widgets", CreateIssue(title: "Retry me"), operationID: "op-502")

            #expect(result.origin == .created)
            #expect(await issues(titled: "Retry me", in: server).count == 1)
            #expect(await posts(server, to: "/issues").map(\.status) == [502, 201])
            #expect(clock.recordedSleeps.contains { $0 >= .seconds(14) }, "waited out GitHub's processing time before trusting the lookup")
            let lookups = await server.state.requestLog().filter { $0.method == "GET" }
            #expect(lookups.count == 2, "looked right away and again after settling")
        }
    }

    @Test("When the lookup cannot run, the caller is told the outcome is unknown and nothing is re-sent")
    func lookupFailureStaysUnknown() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "POST", pathContains: "/issues", kind: .applyThenHang()))
            await server.state.inject(FakeFault(method: "GET", pathContains: "/issues", times: 10, kind: .status(500, message: "boom")))
            let client = TestData.client(server, timeout: .seconds(2))
            do {
                _ = try await client.createIssueOnce(owner: "acme", repo: "widgets", CreateIssue(title: "Unknowable"), operationID: "op-u")
                Issue.record("expected mutationOutcomeUnknown")
            } catch GitHubError.mutationOutcomeUnknown(let method, let path, let reason) {
                #expect(method == "POST")
                #expect(path == "/repos/acme/widgets/issues")
                #expect(reason.contains("lookup"))
            }
            #expect(await posts(server, to: "/issues").count == 1)
            #expect(await issues(titled: "Unknowable", in: server).count == 1, "GitHub has it; a later call finds it")

            await server.state.clearFaults()
            let again = try await client.createIssueOnce(
                owner: "acme", repo: "widgets", CreateIssue(title: "Unknowable"), operationID: "op-u",
                previousAttemptSince: Date().addingTimeInterval(-60))
            #expect(again.origin == .recovered)
            #expect(await posts(server, to: "/issues").count == 1)
        }
    }

    @Test("A bulk called again after an interruption creates none twice")
    func interruptedBulkRerun() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(now: clock.nowFunction)) { server in
            let client = TestData.client(server, clock: clock)
            let items = (0..<3).map { CreateIssue(title: "Bulk item \($0)", body: "Item \($0)") }
            let startedAt = clock.now

            // The first run is interrupted after two items.
            for index in 0..<2 {
                let first = try await client.createIssueOnce(owner: "acme", repo: "widgets", items[index], operationID: "bulk-42:\(index)")
                #expect(first.origin == .created)
            }
            // The whole bulk is called again, knowing it may have run before.
            var origins: [SentOnce<GitHubIssue>.Origin] = []
            for (index, item) in items.enumerated() {
                let again = try await client.createIssueOnce(
                    owner: "acme", repo: "widgets", item, operationID: "bulk-42:\(index)", previousAttemptSince: startedAt)
                origins.append(again.origin)
            }

            #expect(origins == [.recovered, .recovered, .created])
            for index in 0..<3 { #expect(await issues(titled: "Bulk item \(index)", in: server).count == 1) }
            #expect(await posts(server, to: "/issues").count == 3)
        }
    }

    @Test("One item of a bulk loses its answer: every item exists exactly once")
    func bulkItemLostAnswer() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "POST", pathContains: "/issues", skip: 1, times: 1, kind: .applyThenHang()))
            let client = TestData.client(server, timeout: .seconds(2))
            var results: [SentOnce<GitHubIssue>] = []
            for index in 0..<3 {
                results.append(try await client.createIssueOnce(
                    owner: "acme", repo: "widgets", CreateIssue(title: "Batch \(index)"), operationID: "batch-9:\(index)"))
            }
            #expect(results.map(\.origin) == [.created, .recovered, .created])
            for index in 0..<3 {
                let onGitHub = await issues(titled: "Batch \(index)", in: server)
                #expect(onGitHub.count == 1)
                #expect(onGitHub.first?.number == results[index].value.number)
            }
            #expect(await posts(server, to: "/issues").count == 3)
        }
    }

    @Test("Two calls with the same operation id at once make one issue")
    func concurrentSameOperation() async throws {
        try await withFakeGitHub(options: FakeGitHubOptions(latency: .milliseconds(30))) { server in
            let client = TestData.client(server)
            let results = try await withThrowingTaskGroup(of: SentOnce<GitHubIssue>.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await client.createIssueOnce(owner: "acme", repo: "widgets", CreateIssue(title: "Double click"), operationID: "click-1")
                    }
                }
                var all: [SentOnce<GitHubIssue>] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.map(\.origin.rawValue).sorted() == ["created", "recovered"])
            #expect(Set(results.map(\.value.number)).count == 1)
            #expect(await issues(titled: "Double click", in: server).count == 1)
            #expect(await posts(server, to: "/issues").count == 1)
        }
    }

    @Test("An empty operation id is refused before anything is sent")
    func emptyOperationID() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            await #expect(throws: GitHubError.self) {
                _ = try await client.createIssueOnce(owner: "acme", repo: "widgets", CreateIssue(title: "x"), operationID: "")
            }
            #expect(await server.state.requestLog().isEmpty)
        }
    }

    @Test("Markers cannot be broken by the operation id, and are removed for display")
    func markerRoundTrip() throws {
        let id = "weird --> id <b>é"
        let marker = try GitHubOperationMarker.marker(for: id)
        #expect(!marker.dropFirst(4).dropLast(4).contains("-->"))
        #expect(marker.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(GitHubOperationMarker.operationID(in: "Text\n\n" + marker) == id)
        #expect(GitHubOperationMarker.strippingMarkers(from: "Text\n\n" + marker) == "Text")
        #expect(GitHubOperationMarker.strippingMarkers(from: marker) == nil)
        #expect(GitHubOperationMarker.strippingMarkers(from: nil) == nil)
        #expect(GitHubOperationMarker.operationID(in: "no marker") == nil)
        #expect(throws: GitHubError.self) { try GitHubOperationMarker.marker(for: String(repeating: "x", count: 201)) }
    }
}

@Suite("Sent once: pull requests")
struct SentOncePullRequestTests {
    /// acme/widgets with a branch no pull request uses yet.
    func withFreeBranch(_ server: FakeGitHubServer) async throws {
        var repo = try #require(await server.state.repository("acme/widgets"))
        repo.branches.append(FakeBranch(name: "feature/once", sha: String(repeating: "a", count: 40), committedDate: Date()))
        await server.state.upsertRepository(repo)
    }

    func pulls(head: String, in server: FakeGitHubServer) async -> [FakeIssue] {
        await server.state.repository("acme/widgets")?.issues.filter { $0.pull?.head == head } ?? []
    }

    @Test("A second pull request for the same head and base answers with the open one (GitHub's 422)")
    func duplicateHeadAndBase() async throws {
        try await withFakeGitHub { server in
            try await withFreeBranch(server)
            let client = TestData.client(server)
            let pull = CreatePullRequest(title: "Once", head: "feature/once", base: "main", body: "Please review")
            let first = try await client.createPullRequestOnce(owner: "acme", repo: "widgets", pull, operationID: "pr-1")
            #expect(first.origin == .created)

            let second = try await client.createPullRequestOnce(owner: "acme", repo: "widgets", pull, operationID: "pr-2")
            #expect(second.origin == .existing)
            #expect(second.value.number == first.value.number)
            #expect(await pulls(head: "feature/once", in: server).count == 1)

            let log = await server.state.requestLog()
            #expect(log.filter { $0.method == "POST" }.map(\.status) == [201, 422])
            let lookup = try #require(log.last { $0.method == "GET" })
            #expect(lookup.pathWithoutQuery == "/repos/acme/widgets/pulls")
            #expect(lookup.query["head"] == "acme:feature/once")
            #expect(lookup.query["base"] == "main")
        }
    }

    @Test("The same operation sent again finds its own pull request by marker")
    func sameOperationRecovered() async throws {
        try await withFakeGitHub { server in
            try await withFreeBranch(server)
            let client = TestData.client(server)
            let pull = CreatePullRequest(title: "Once", head: "feature/once", base: "main")
            let first = try await client.createPullRequestOnce(owner: "acme", repo: "widgets", pull, operationID: "pr-a")
            let again = try await client.createPullRequestOnce(owner: "acme", repo: "widgets", pull, operationID: "pr-a")
            #expect(first.origin == .created)
            #expect(again.origin == .recovered)
            #expect(again.value.number == first.value.number)
            #expect(GitHubOperationMarker.operationID(in: again.value.body) == "pr-a")
        }
    }

    @Test("A pull request whose answer is lost is found by head and base, never opened twice")
    func lostAnswerPullRequest() async throws {
        try await withFakeGitHub { server in
            try await withFreeBranch(server)
            await server.state.inject(FakeFault(method: "POST", pathContains: "/pulls", kind: .applyThenHang()))
            let client = TestData.client(server, timeout: .seconds(2))
            let result = try await client.createPullRequestOnce(
                owner: "acme", repo: "widgets", CreatePullRequest(title: "Lost", head: "feature/once", base: "main"), operationID: "pr-lost")
            #expect(result.origin == .recovered)
            let onGitHub = await pulls(head: "feature/once", in: server)
            #expect(onGitHub.count == 1)
            #expect(result.value.number == onGitHub.first?.number)
            #expect(await server.state.requestLog().filter { $0.method == "POST" }.count == 1)
        }
    }

    @Test("Other refusals (an unknown base) are passed on unchanged")
    func otherValidationErrors() async throws {
        try await withFakeGitHub { server in
            try await withFreeBranch(server)
            let client = TestData.client(server)
            do {
                _ = try await client.createPullRequestOnce(
                    owner: "acme", repo: "widgets", CreatePullRequest(title: "x", head: "feature/once", base: "nope"), operationID: "pr-x")
                Issue.record("expected validationFailed")
            } catch GitHubError.validationFailed(_, let errors) {
                #expect(errors.first?.field == "base")
            }
            #expect(await server.state.requestLog().filter { $0.method == "GET" }.isEmpty, "no lookup for a plain refusal")
        }
    }
}
