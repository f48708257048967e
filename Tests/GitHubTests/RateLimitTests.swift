import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("Primary and secondary rate limits")
struct RateLimitTests {
    @Test("The client tracks X-RateLimit-* per credential and resource")
    func tracksBudget() async throws {
        try await withFakeGitHub(options: FakeGitHubOptions(rateLimit: 50)) { server in
            let client = TestData.client(server)
            _ = try await client.repository(owner: "acme", repo: "widgets")
            _ = try await client.repository(owner: "acme", repo: "widgets")
            let budget = try #require(await client.rateLimit(resource: "core"))
            #expect(budget.limit == 50)
            #expect(budget.remaining == 48)
            #expect(budget.used == 2)
            let bob = client.with(auth: .token(GitHubToken(TestData.otherToken)))
            #expect(await bob.rateLimit(resource: "core") == nil, "another credential has its own budget")
        }
    }

    @Test("Exhausted budget with failFast: throws rateLimited with the reset time and sends nothing more")
    func failFastOnPrimaryLimit() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(rateLimit: 2, now: clock.nowFunction)) { server in
            let desk = TestData.client(server, clock: clock, policy: .failFast)
            _ = try await desk.repository(owner: "acme", repo: "widgets")
            _ = try await desk.repository(owner: "acme", repo: "widgets")
            let expectedReset = try #require(await desk.rateLimit()?.resetAt)

            await #expect(throws: GitHubError.rateLimited(resource: "core", resetAt: expectedReset)) {
                _ = try await desk.repository(owner: "acme", repo: "widgets")
            }
            #expect(await server.state.requestLog().count == 2, "the known-empty budget is checked before sending")
            #expect(clock.recordedSleeps.isEmpty, "a desk request never waits")
        }
    }

    @Test("A 403 primary-limit answer with failFast surfaces the server's reset time")
    func failFastOnServerRefusal() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(rateLimit: 100, now: clock.nowFunction)) { server in
            await server.state.setBudget(identity: "alice", remaining: 0, resetIn: 1200)
            let desk = TestData.client(server, clock: clock, policy: .failFast)
            do {
                _ = try await desk.repository(owner: "acme", repo: "widgets")
                Issue.record("expected rateLimited")
            } catch GitHubError.rateLimited(let resource, let resetAt) {
                #expect(resource == "core")
                #expect(abs(resetAt.timeIntervalSince(clock.now) - 1200) <= 1)
            }
        }
    }

    @Test("Exhausted budget with waitForReset: waits until the reset, then carries on")
    func waitsForReset() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(rateLimit: 3, rateLimitWindow: 900, now: clock.nowFunction)) { server in
            let job = TestData.client(server, clock: clock, policy: .waitForReset)
            let counter = RequestCounter()
            var names: [String] = []
            for _ in 0..<5 {
                names.append(try await job.counting(into: counter).repository(owner: "acme", repo: "widgets").name)
            }
            #expect(names.count == 5)
            let waits = clock.recordedSleeps
            #expect(waits.count == 1, "one wait for the one reset")
            #expect(try #require(waits.first).seconds >= 899, "waited until the reset (900 s window)")
            #expect(counter.snapshot.rateLimitWaits == 1)
            let log = await server.state.requestLog()
            #expect(log.count == 5, "no request was wasted on a known-empty budget")
            #expect(log.allSatisfy { $0.status == 200 })
        }
    }

    @Test("Secondary limit with Retry-After: waits that long and retries")
    func secondaryLimitWithRetryAfter() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(now: clock.nowFunction)) { server in
            await server.state.inject(FakeFault(method: "GET", pathContains: "/repos/acme/widgets", kind: .secondaryLimit(retryAfter: 7, status: 403)))
            let client = TestData.client(server, clock: clock)
            let repo = try await client.repository(owner: "acme", repo: "widgets")
            #expect(repo.name == "widgets")
            #expect(clock.recordedSleeps.map(\.seconds) == [7])
            #expect(await server.state.requestLog().map(\.status) == [403, 200])
        }
    }

    @Test("Secondary limit without Retry-After (429): waits at least 60 s")
    func secondaryLimitWithoutRetryAfter() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(now: clock.nowFunction)) { server in
            await server.state.inject(FakeFault(method: "GET", kind: .secondaryLimit(retryAfter: nil, status: 429)))
            let client = TestData.client(server, clock: clock)
            _ = try await client.repository(owner: "acme", repo: "widgets")
            let waits = clock.recordedSleeps.map(\.seconds)
            #expect(waits.count == 1)
            #expect(try #require(waits.first) >= 60)
            #expect(await server.state.requestLog().map(\.status) == [429, 200])
        }
    }

    @Test("Secondary limit on a POST is retried (GitHub refused it, so nothing was created)")
    func secondaryLimitOnMutation() async throws {
        let clock = TestClock()
        try await withFakeGitHub(options: FakeGitHubOptions(now: clock.nowFunction)) { server in
            await server.state.inject(FakeFault(method: "POST", kind: .secondaryLimit(retryAfter: nil, status: 403)))
            let client = TestData.client(server, clock: clock)
            let issue = try await client.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "After the limit"))
            #expect(issue.title == "After the limit")
            let created = await server.state.repository("acme/widgets")?.issues.filter { $0.title == "After the limit" }
            #expect(created?.count == 1)
            #expect(try #require(clock.recordedSleeps.first).seconds >= 60)
        }
    }

    @Test("Secondary limit with failFast throws secondaryRateLimited with the advised wait")
    func secondaryLimitFailFast() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(kind: .secondaryLimit(retryAfter: 30, status: 403)))
            let desk = TestData.client(server, policy: .failFast)
            await #expect(throws: GitHubError.secondaryRateLimited(retryAfter: .seconds(30))) {
                _ = try await desk.repository(owner: "acme", repo: "widgets")
            }
        }
    }

    @Test("GET /rate_limit is free and reports the same budget")
    func rateLimitEndpoint() async throws {
        try await withFakeGitHub(options: FakeGitHubOptions(rateLimit: 10)) { server in
            let client = TestData.client(server)
            _ = try await client.repository(owner: "acme", repo: "widgets")
            let overview = try await client.rateLimitOverview()
            #expect(overview.resources["core"]?.remaining == 9)
            let again = try await client.rateLimitOverview()
            #expect(again.resources["core"]?.remaining == 9)
        }
    }
}
