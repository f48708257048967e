import Foundation

/// One page of a list call.
///
/// A page answered 304 has no ``items`` and ``notModified`` set: the caller already has what it
/// holds (nothing to write) and GitHub charged nothing for it.
public struct GitHubPage<Element: Sendable>: Sendable {
    /// Decoded items; empty when ``notModified``.
    public var items: [Element]
    public var notModified: Bool
    /// 1-based position in this walk.
    public var index: Int
    /// The URL fetched (the ETag key's URL).
    public var url: String
    /// The `rel="next"` URL, if any.
    public var nextURL: String?
    /// The `rel="last"` URL when GitHub sent one (lets callers show progress).
    public var lastURL: String?
    /// What to store to make this page conditional next time (nil when GitHub sent no ETag).
    public var validators: CacheValidators?
    /// Where ``validators`` belong in the ``ETagStore`` (nil for non-conditional walks).
    public var etagKey: ETagKey?
}

/// A list endpoint walked page by page through `Link: rel="next"`, as an `AsyncSequence`, so a sync
/// can write each page before fetching the next and memory stays flat.
///
/// With ``ConditionalMode/storeOnReceipt`` or ``ConditionalMode/callerStores`` each page is requested
/// with its stored validators; 304 pages still advance, using the stored `next` link when the 304
/// carries none.
public struct GitHubPages<Item: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = GitHubPage<Item>

    let client: GitHubClient
    let firstRequest: GitHubRequest

    init(client: GitHubClient, request: GitHubRequest) {
        self.client = client
        self.firstRequest = request
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, pending: firstRequest)
    }

    /// All items of all pages (for small lists; prefer iterating pages for big ones).
    public func collect() async throws -> [Item] {
        var all: [Item] = []
        for try await page in self { all.append(contentsOf: page.items) }
        return all
    }

    public struct Iterator: AsyncIteratorProtocol {
        let client: GitHubClient
        var pending: GitHubRequest?
        var index = 0

        public mutating func next() async throws -> GitHubPage<Item>? {
            guard let request = pending else { return nil }
            pending = nil
            index += 1
            let page = try await GitHubPages.fetch(request, index: index, client: client)
            if let next = page.nextURL { pending = request.following(next) }
            return page
        }
    }

    /// One page: `request` sent, its 304 or items turned into a ``GitHubPage``.
    static func fetch(_ request: GitHubRequest, index: Int, client: GitHubClient) async throws -> GitHubPage<Item> {
        let response = try await client.send(request)
        let links = LinkHeader.parse(response.header("link"))
        let perPage = client.configuration.perPage
        if response.notModified {
            let stored = response.validators
            var next = links["next"] ?? stored?.nextURL
            if next == nil, let count = stored?.itemCount, count >= perPage {
                // A full last page may have grown a successor while staying unchanged itself.
                next = GitHubPages<Item>.pageURL(response.url, page: index + 1)
            }
            return GitHubPage(
                items: [], notModified: true, index: index, url: response.url, nextURL: next,
                lastURL: links["last"], validators: stored, etagKey: response.etagKey)
        }
        let items = try response.decode([Item].self)
        var validators = response.validators
        validators?.nextURL = links["next"]
        validators?.itemCount = items.count
        if request.conditional == .storeOnReceipt, let key = response.etagKey, let validators {
            try await client.etagStore.store(validators, for: key)
        }
        return GitHubPage(
            items: items, notModified: false, index: index, url: response.url, nextURL: links["next"],
            lastURL: links["last"], validators: validators, etagKey: response.etagKey)
    }

    /// Another page of a list: `url` with its `page` parameter set to `page`. Callers that fetch a
    /// probe page themselves must build its URL here, so its ETag key matches the one the
    /// pagination uses when it probes that page.
    public static func pageURL(_ url: String, page: Int) -> String? {
        guard var components = URLComponents(string: url) else { return nil }
        var items = components.queryItems ?? []
        items.removeAll { $0.name == "page" }
        items.append(URLQueryItem(name: "page", value: String(page)))
        components.queryItems = items
        return components.string
    }
}


extension GitHubRequest {
    /// The request for another page of the same list: same conditional mode, media type and budget.
    func following(_ url: String) -> GitHubRequest {
        GitHubRequest(.GET, url, conditional: conditional, accept: accept, resource: resource)
    }
}
