import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("Pagination and conditional requests against FakeGitHub")
struct PaginationAndConditionalTests {
    @Test("A list walks every page by Link rel=next, and issues include PRs marked as such")
    func walksAllPages() async throws {
        try await withFakeGitHub(seed: TestData.seed(issues: 180, pulls: 70)) { server in
            let client = TestData.client(server, perPage: 100)
            var pages: [GitHubPage<GitHubIssue>] = []
            for try await page in client.issues(owner: "acme", repo: "widgets") { pages.append(page) }

            #expect(pages.map(\.items.count) == [100, 100, 50])
            let all = pages.flatMap(\.items)
            #expect(Set(all.map(\.number)) == Set(1...250), "every issue and PR exactly once")
            #expect(all.filter(\.isPullRequest).count == 70)
            #expect(pages.last?.nextURL == nil)
            let log = await server.state.requestLog()
            #expect(log.count == 3, "one request per page, no extra probes")
            #expect(log.allSatisfy { $0.path.contains("per_page=100") })
        }
    }

    @Test("Small pages: per_page is honoured and the walk crosses more than three pages")
    func smallPages() async throws {
        try await withFakeGitHub(seed: TestData.seed(branches: 23)) { server in
            let client = TestData.client(server, perPage: 5)
            let branches = try await client.branches(owner: "acme", repo: "widgets").collect()
            #expect(branches.count == 23)
            #expect(Set(branches.map(\.name)).count == 23)
            #expect(await server.state.requestLog().count == 5)
        }
    }

    @Test("A repeated conditional walk is all 304s, decodes nothing and spends no budget")
    func conditionalWalkIsFree() async throws {
        try await withFakeGitHub(seed: TestData.seed(issues: 150, pulls: 90)) { server in
            let client = TestData.client(server, perPage: 100)
            let first = RequestCounter()
            var firstItems = 0
            for try await page in client.counting(into: first).issues(owner: "acme", repo: "widgets", conditional: .storeOnReceipt) {
                firstItems += page.items.count
                #expect(!page.notModified)
            }
            #expect(firstItems == 240)
            let budgetAfterFirst = await server.state.remainingBudget(identity: "alice")

            let second = RequestCounter()
            var notModifiedPages = 0
            for try await page in client.counting(into: second).issues(owner: "acme", repo: "widgets", conditional: .storeOnReceipt) {
                #expect(page.items.isEmpty)
                if page.notModified { notModifiedPages += 1 }
            }
            #expect(notModifiedPages == 3, "the walk continues across 304 pages using the stored next links")
            #expect(second.snapshot.requests == 3)
            #expect(second.snapshot.notModified == 3)
            #expect(second.snapshot.billable == 0)
            #expect(await server.state.remainingBudget(identity: "alice") == budgetAfterFirst, "304s are free")
            let log = await server.state.requestLog().suffix(3)
            #expect(log.allSatisfy { $0.conditional && $0.status == 304 && $0.chargedResource == nil })
        }
    }

    @Test("A change behind one page turns exactly that page into a 200")
    func changedPageIsRefetched() async throws {
        try await withFakeGitHub(seed: TestData.seed(issues: 150, pulls: 50)) { server in
            let client = TestData.client(server, perPage: 100)
            for try await _ in client.issues(owner: "acme", repo: "widgets", conditional: .storeOnReceipt) {}
            // Issue #1 is the oldest by update time? Not necessarily: find one on the last page instead.
            let lastPage = try await client.issues(owner: "acme", repo: "widgets").collect().suffix(10)
            let target = try #require(lastPage.first?.number)
            await server.state.updateIssue("acme/widgets", number: target) { $0.title = "Renamed on GitHub" }

            var statuses: [Bool] = []
            var renamed: GitHubIssue?
            for try await page in client.issues(owner: "acme", repo: "widgets", conditional: .storeOnReceipt) {
                statuses.append(page.notModified)
                renamed = renamed ?? page.items.first { $0.number == target }
            }
            #expect(statuses == [true, false], "sort=updated moves the edited issue to the last page only")
            #expect(renamed?.title == "Renamed on GitHub")
        }
    }

    @Test("callerStores mode leaves the store alone until the caller commits a page")
    func callerStoresValidators() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            let store = client.etagStore
            var firstPage: GitHubPage<GitHubBranch>?
            for try await page in client.branches(owner: "acme", repo: "widgets", conditional: .callerStores) { firstPage = page }
            let page = try #require(firstPage)
            let key = try #require(page.etagKey)
            #expect(try await store.validators(for: key) == nil, "nothing stored before the caller says so")

            try await client.remember(page)
            #expect(try await store.validators(for: key)?.etag == page.validators?.etag)
            var iterator = client.branches(owner: "acme", repo: "widgets", conditional: .callerStores).makeAsyncIterator()
            let again = try await iterator.next()
            #expect(again?.notModified == true)
        }
    }

    @Test("A single conditional GET returns .notModified with no body on the second call")
    func conditionalSingleObject() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            let first = try await client.repositoryIfChanged(owner: "acme", repo: "widgets", mode: .storeOnReceipt)
            #expect(first.value?.fullName == "acme/widgets")
            let second = try await client.repositoryIfChanged(owner: "acme", repo: "widgets", mode: .storeOnReceipt)
            #expect(second.isNotModified)
        }
    }

    @Test("ETags are kept per credential: another token's cache does not answer for alice")
    func etagsArePerIdentity() async throws {
        try await withFakeGitHub { server in
            let alice = TestData.client(server)
            let bob = alice.with(auth: .token(GitHubToken(TestData.otherToken)))
            _ = try await alice.repositoryIfChanged(owner: "acme", repo: "widgets", mode: .storeOnReceipt)
            let bobFirst = try await bob.repositoryIfChanged(owner: "acme", repo: "widgets", mode: .storeOnReceipt)
            #expect(!bobFirst.isNotModified)
            let key = alice.etagKey(for: "/repos/acme/widgets")
            #expect(!key.identity.contains(TestData.token), "the store is keyed by a hash, never the token")
        }
    }
}

