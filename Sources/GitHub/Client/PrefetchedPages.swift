import Foundation
import Synchronization

extension GitHubPages {
    /// The same pages in the same order, with up to `ahead` of them fetched while the caller is
    /// still working on earlier ones.
    ///
    /// Once the first page's `Link` names the last page, pages 2…last are requested by number
    /// (their URLs are the `next` link with its `page` changed, so each page has the same ETag
    /// key a sequential walk would use), at most `ahead` at a time; the token's read slots
    /// (``GitHubConfiguration/maxReadsInFlight``) bound them further. Pages are handed out in
    /// order however they arrive. If the list grew while it was walked, the last page's `next`
    /// is followed as before. Without a `last` link (a single page, or a 304 that carried no
    /// `Link`), this is the sequential walk. Breaking out of the loop cancels what is in flight.
    public func prefetching(ahead: Int = 4) -> PrefetchedPages<Item> {
        PrefetchedPages(pages: self, ahead: Swift.max(1, ahead))
    }

    /// The page number in a `Link` URL (`…?page=30`).
    public static func pageNumber(in url: String) -> Int? {
        URLComponents(string: url)?.queryItems?.first { $0.name == "page" }?.value.flatMap(Int.init)
    }

    /// `url` with the value of its `page` query item replaced, everything else as it was; nil
    /// when it has no `page` item or cannot be rebuilt exactly.
    static func replacingPage(in url: String, with page: Int) -> String? {
        guard var components = URLComponents(string: url), var items = components.queryItems,
              let i = items.firstIndex(where: { $0.name == "page" }), let current = items[i].value else { return nil }
        // Only a URL that survives parsing unchanged is rewritten: its siblings must match GitHub's spelling.
        guard components.string == url else { return nil }
        guard String(page) != current else { return url }
        items[i].value = String(page)
        components.queryItems = items
        return components.string
    }
}

/// ``GitHubPages`` fetched ahead of the consumer (see ``GitHubPages/prefetching(ahead:)``).
public struct PrefetchedPages<Item: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = GitHubPage<Item>

    let pages: GitHubPages<Item>
    let ahead: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(sequential: pages.makeAsyncIterator(), client: pages.client, ahead: ahead)
    }

    public struct Iterator: AsyncIteratorProtocol {
        /// Walks `next` links: the first page, and pages past the numbered range.
        var sequential: GitHubPages<Item>.Iterator
        let client: GitHubClient
        let ahead: Int
        /// Set once the first page told how many there are.
        var fetcher: Fetcher?
        var started = false

        public mutating func next() async throws -> GitHubPage<Item>? {
            if let fetcher {
                if let page = try await fetcher.next() { return page }
                // The numbered range is done; a list that grew meanwhile goes on by `next` links.
                self.fetcher = nil
                guard let last = fetcher.lastPage, let url = last.nextURL else { return nil }
                sequential = GitHubPages.Iterator(client: client, pending: fetcher.template.following(url), index: last.index)
            }
            guard let page = try await sequential.next() else { return nil }
            if !started {
                started = true
                if let fetcher = Fetcher(first: page, request: sequential.pending, client: client, ahead: ahead) {
                    self.fetcher = fetcher
                    sequential.pending = nil
                }
            }
            return page
        }
    }

    /// The numbered pages 2…last, each a task started at most `ahead` pages before it is handed out.
    final class Fetcher: Sendable {
        let template: GitHubRequest
        let client: GitHubClient
        let ahead: Int
        let urls: [Int: String]
        let lastIndex: Int
        private let state = Mutex(State())

        private struct State {
            var tasks: [Int: Task<GitHubPage<Item>, any Error>] = [:]
            var nextIndex = 2
            var lastPage: GitHubPage<Item>?
        }

        /// nil unless the first page names a last page beyond it and the page URLs can be built.
        init?(first: GitHubPage<Item>, request: GitHubRequest?, client: GitHubClient, ahead: Int) {
            guard let request, let next = first.nextURL, let lastURL = first.lastURL,
                  let last = GitHubPages<Item>.pageNumber(in: lastURL), last > 2 else { return nil }
            var urls: [Int: String] = [2: next]
            for index in 3...last {
                guard let url = GitHubPages<Item>.replacingPage(in: next, with: index) else { return nil }
                urls[index] = url
            }
            template = request
            self.client = client
            self.ahead = ahead
            self.urls = urls
            lastIndex = last
        }

        deinit {
            state.withLock { $0.tasks.values.forEach { $0.cancel() } }
        }

        var lastPage: GitHubPage<Item>? { state.withLock { $0.lastPage } }

        /// The next page in order, or nil after the last numbered one.
        func next() async throws -> GitHubPage<Item>? {
            let index = state.withLock { $0.nextIndex }
            guard index <= lastIndex else { return nil }
            startTasks(through: Swift.min(lastIndex, index + ahead - 1))
            guard let task = state.withLock({ $0.tasks[index] }) else { return nil }
            let page = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
            state.withLock {
                $0.tasks[index] = nil
                $0.nextIndex = index + 1
                $0.lastPage = page
            }
            // While the caller works on this page, the following ones are on their way.
            startTasks(through: Swift.min(lastIndex, index + ahead))
            return page
        }

        private func startTasks(through end: Int) {
            state.withLock { s in
                guard s.nextIndex <= end else { return }
                for index in s.nextIndex...end where s.tasks[index] == nil {
                    guard let url = urls[index] else { continue }
                    let request = template.following(url)
                    let client = client
                    s.tasks[index] = Task { try await GitHubPages<Item>.fetch(request, index: index, client: client) }
                }
            }
        }
    }
}
