import FakeGitHub
import Foundation
import GitHub
import Synchronization
import TestSupport
import Testing

/// Pages fetched ahead of the caller (`GitHubPages.prefetching`): what a first sync relies on to
/// wait for the network once per four pages instead of once per page.
@Suite("Fetching pages ahead")
struct PrefetchTests {
    /// acme/widgets with 700 items in its issues list: 7 pages of 100.
    static let seed = TestData.seed(issues: 600, pulls: 100)

    /// The page number of a logged request (`…&page=3…`), 1 when it has none.
    static func page(_ entry: FakeRequestLogEntry) -> Int {
        URLComponents(string: "http://x" + entry.path)?.queryItems?.first { $0.name == "page" }?.value.flatMap(Int.init) ?? 1
    }

    @Test("pages that arrive out of order are handed out in order, each fetched once, on the URLs a sequential walk uses")
    func outOfOrderArrivals() async throws {
        try await withFakeGitHub(seed: Self.seed) { server in
            let client = TestData.client(server)
            // Page 2's answer is held back until pages 3 to 5 have been answered.
            await server.state.inject(FakeFault(method: "GET", pathContains: "/issues", queryContains: "&page=2&", kind: .applyThenHang()))
            let walking = Task {
                var pages: [GitHubPage<GitHubIssue>] = []
                for try await page in client.issues(owner: "acme", repo: "widgets").prefetching(ahead: 4) { pages.append(page) }
                return pages
            }
            try await waitUntil("pages 3, 4 and 5 are answered while page 2 is held back") {
                let answered = await server.state.requestLog().filter { $0.completedAt != nil }.map(Self.page)
                return Set([3, 4, 5]).isSubset(of: answered)
            }
            await server.state.releaseWithheldAnswers()
            let pages = try await walking.value

            #expect(pages.map(\.index) == Array(1...7))
            let concurrent = await server.state.requestLog()
            #expect(concurrent.map(Self.page).sorted() == Array(1...7), "each page asked for once")
            #expect(concurrent.first { Self.page($0) == 2 }?.answerWithheld == true, "page 2 arrived last of the first five")

            // The same list walked one page at a time: the same items in the same order, from the same URLs.
            await server.state.clearRequestLog()
            let sequential = try await client.issues(owner: "acme", repo: "widgets").collect()
            #expect(pages.flatMap(\.items).map(\.number) == sequential.map(\.number))
            #expect(Set(concurrent.map(\.path)) == Set(await server.state.requestLog().map(\.path)),
                    "the ETag of every page is stored under the key the next sequential walk asks with")
        }
    }

    @Test("a token never has more reads in flight than its slots, however far ahead a walk fetches")
    func readSlotsBoundConcurrency() async throws {
        var options = FakeGitHubOptions()
        options.latency = .milliseconds(30)
        try await withFakeGitHub(seed: Self.seed, options: options) { server in
            var configuration = TestData.configuration(server)
            configuration.maxReadsInFlight = 2
            let client = GitHubClient(configuration: configuration, auth: .token(GitHubToken(TestData.token)))
            async let issues = client.issues(owner: "acme", repo: "widgets").prefetching(ahead: 4).reduce(0) { $0 + $1.items.count }
            async let pulls = client.pullRequests(owner: "acme", repo: "widgets").prefetching(ahead: 4).reduce(0) { $0 + $1.items.count }
            let (issueItems, pullItems) = try await (issues, pulls)
            #expect(issueItems == 700)
            #expect(pullItems == 100)

            let log = await server.state.requestLog()
            // How many were being answered when each one arrived (itself included).
            let peak = log.map { entry in
                log.filter { $0.receivedAt <= entry.receivedAt && ($0.completedAt ?? .distantFuture) > entry.receivedAt }.count
            }.max() ?? 0
            #expect(peak <= 2, "at most 2 requests of the token were being answered at once (saw \(peak))")
        }
    }

    @Test("a secondary-limit answer in the middle of a walk pauses every later request of the token, then the walk completes")
    func secondaryLimitPausesTheToken() async throws {
        try await withFakeGitHub(seed: Self.seed) { server in
            let sleeps = SleepLog()
            var configuration = TestData.configuration(server)
            configuration.maxReadsInFlight = 1   // one at a time, so "later" is exact
            // A sleep that returns at once; the clock is real, so the pause stays in force for the whole walk.
            configuration.sleep = { duration in sleeps.record(duration) }
            let client = GitHubClient(configuration: configuration, auth: .token(GitHubToken(TestData.token)))
            await server.state.inject(FakeFault(method: "GET", pathContains: "/issues", queryContains: "&page=3&",
                                                kind: .secondaryLimit(retryAfter: 600, status: 403)))

            var items = 0
            for try await page in client.issues(owner: "acme", repo: "widgets").prefetching(ahead: 4) { items += page.items.count }
            #expect(items == 700, "the walk completed")

            let log = await server.state.requestLog()
            let refused = try #require(log.first { $0.status == 403 })
            #expect(Self.page(refused) == 3)
            #expect(log.filter { Self.page($0) == 3 }.map(\.status) == [403, 200], "the refused page was asked again")
            let refusedAt = try #require(refused.completedAt)
            let later = log.filter { $0.receivedAt > refusedAt }.count
            // What is left of the 600 s pause when each later request looks (the walk itself takes seconds).
            let paused = sleeps.all.filter { $0 >= .seconds(300) }.count
            #expect(later >= 1)
            #expect(paused >= later, "each of the \(later) requests sent after the answer waited for the pause first (\(paused) pauses)")
        }
    }
}

/// What a client asked to sleep, while its clock runs on for real.
final class SleepLog: Sendable {
    private let sleeps = Mutex<[Duration]>([])
    func record(_ duration: Duration) { sleeps.withLock { $0.append(duration) } }
    var all: [Duration] { sleeps.withLock { $0 } }
}
