import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("Retries, timeouts and mutation safety")
struct RetryAndMutationTests {
    @Test("A 5xx on a GET is retried with backoff and then succeeds")
    func getRetriedAfterServerError() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(now: clock.nowFunction)) { server in
            await server.state.inject(FakeFault(method: "GET", pathContains: "/branches", times: 2, kind: .status(502, message: "Server Error")))
            let client = TestData.client(server, clock: clock)
            let counter = RequestCounter()
            let branches = try await client.counting(into: counter).branches(owner: "acme", repo: "widgets").collect()
            #expect(branches.count == 3)
            #expect(await server.state.requestLog().map(\.status) == [502, 502, 200])
            #expect(counter.snapshot.retries == 2)
            #expect(clock.recordedSleeps.count == 2, "a backoff before each retry")
        }
    }

    @Test("Only the Nth call fails when the fault skips the first ones")
    func nthCallFault() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "GET", skip: 2, times: 1, kind: .status(503, message: "Unavailable")))
            let client = TestData.client(server)
            for _ in 0..<4 { _ = try await client.repository(owner: "acme", repo: "widgets") }
            #expect(await server.state.requestLog().map(\.status) == [200, 200, 503, 200, 200])
        }
    }

    @Test("A GET that keeps failing ends in serverError after the allowed attempts")
    func getGivesUp() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "GET", times: 10, kind: .status(500, message: "boom")))
            let client = TestData.client(server)
            await #expect(throws: GitHubError.serverError(status: 500, message: "boom")) {
                _ = try await client.repository(owner: "acme", repo: "widgets")
            }
            #expect(await server.state.requestLog().count == 3)
        }
    }

    @Test("A POST that times out is not re-sent; the caller is told the outcome is unknown")
    func timedOutPostIsNotResent() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "POST", pathContains: "/issues", kind: .delay(.seconds(6))))
            let client = TestData.client(server, timeout: .seconds(2))
            do {
                _ = try await client.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "Exactly once"))
                Issue.record("expected mutationOutcomeUnknown")
            } catch GitHubError.mutationOutcomeUnknown(let method, let path, _) {
                #expect(method == "POST")
                #expect(path == "/repos/acme/widgets/issues")
            }
            let posts = await server.state.requestLog().filter { $0.method == "POST" }
            #expect(posts.count == 1, "never blindly re-sent")

            // GitHub finished the work anyway: looking it up finds exactly one issue.
            var found: [GitHubIssue] = []
            for _ in 0..<600 where found.isEmpty {   // until GitHub has finished (a generous deadline)
                try await Task.sleep(for: .milliseconds(20))
                found = try await client.issues(owner: "acme", repo: "widgets", state: .open, sort: .created, direction: .desc)
                    .collect().filter { $0.title == "Exactly once" }
            }
            #expect(found.count == 1)
        }
    }

    @Test("A 502 on a POST is not retried either")
    func postServerErrorIsNotRetried() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "POST", kind: .status(502, message: "Bad Gateway")))
            let client = TestData.client(server)
            await #expect(throws: GitHubError.mutationOutcomeUnknown(method: "POST", path: "/repos/acme/widgets/issues", reason: "HTTP 502")) {
                _ = try await client.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "x"))
            }
            #expect(await server.state.requestLog().count == 1)
        }
    }

    @Test("A GET to a closed port is retried and then reported as a transport error")
    func connectionRefused() async throws {
        let configuration = GitHubConfiguration(
            baseURL: "http://127.0.0.1:1", requestTimeout: .milliseconds(300),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)))
        let client = GitHubClient(configuration: configuration, auth: .token(GitHubToken(TestData.token)))
        let counter = RequestCounter()
        do {
            _ = try await client.counting(into: counter).repository(owner: "acme", repo: "widgets")
            Issue.record("expected a transport error")
        } catch GitHubError.transport {
            #expect(counter.snapshot.requests == 2)
        }
    }

    @Test("Mutations with the same credentials are serialised and spaced apart")
    func mutationsAreSerialisedAndSpaced() async throws {
        try await withFakeGitHub(options: FakeGitHubOptions(latency: .milliseconds(20))) { server in
            let client = TestData.client(server, mutationSpacing: .milliseconds(60))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<4 {
                    group.addTask { _ = try await client.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "Parallel \(index)")) }
                }
                try await group.waitForAll()
            }
            let posts = await server.state.requestLog().filter { $0.method == "POST" }.sorted { $0.receivedAt < $1.receivedAt }
            #expect(posts.count == 4)
            for (previous, next) in zip(posts, posts.dropFirst()) {
                let finished = try #require(previous.completedAt)
                #expect(next.receivedAt >= finished, "one mutation at a time")
                #expect(next.receivedAt.timeIntervalSince(finished) >= 0.05, "spaced by the configured gap")
            }
        }
    }

    @Test("Reads are not held back by the mutation gate")
    func readsRunInParallel() async throws {
        try await withFakeGitHub(options: FakeGitHubOptions(latency: .milliseconds(100))) { server in
            let client = TestData.client(server, mutationSpacing: .seconds(5))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { _ = try await client.repository(owner: "acme", repo: "widgets") } }
                try await group.waitForAll()
            }
            let log = await server.state.requestLog()
            let overlapping = log.contains { a in log.contains { b in a.id != b.id && b.receivedAt < (a.completedAt ?? .distantPast) && b.receivedAt >= a.receivedAt } }
            #expect(overlapping, "GETs overlapped")
        }
    }

    @Test("Typed errors: 404, 422 with errors[], 401")
    func typedErrors() async throws {
        try await withFakeGitHub(options: FakeGitHubOptions(acceptUnknownTokens: false)) { server in
            let client = TestData.client(server)
            await #expect(throws: GitHubError.notFound(message: "Not Found")) {
                _ = try await client.repository(owner: "acme", repo: "missing")
            }
            do {
                _ = try await client.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: ""))
                Issue.record("expected validationFailed")
            } catch GitHubError.validationFailed(_, let errors) {
                #expect(errors == [GitHubValidationError(resource: "Issue", code: "missing_field", field: "title")])
            }
            let stranger = TestData.client(server, token: "ghp_unknown")
            await #expect(throws: GitHubError.unauthorized(message: "Bad credentials")) {
                _ = try await stranger.authenticatedUser()
            }
        }
    }
}
