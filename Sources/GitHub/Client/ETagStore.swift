import Foundation

/// Identifies one conditional-request cache entry: who asked (a credential identity, never a token)
/// and the full URL including the query.
public struct ETagKey: Sendable, Hashable, Codable {
    public var identity: String
    public var url: String

    public init(identity: String, url: String) {
        self.identity = identity
        self.url = url
    }
}

/// What we remember about a response to make the next request conditional.
///
/// Besides the validators, pages remember their `next` link and item count: a 304 proves the page is
/// unchanged but may carry no `Link` header, and the pagination must still know where to go next.
public struct CacheValidators: Sendable, Hashable, Codable {
    public var etag: String?
    public var lastModified: String?
    /// The `rel="next"` URL the page had when it was stored.
    public var nextURL: String?
    /// How many items the page had (to notice a full last page that may have grown a successor).
    public var itemCount: Int?

    public init(etag: String?, lastModified: String? = nil, nextURL: String? = nil, itemCount: Int? = nil) {
        self.etag = etag
        self.lastModified = lastModified
        self.nextURL = nextURL
        self.itemCount = itemCount
    }

    public var isUsable: Bool { etag != nil || lastModified != nil }
}

/// Storage for conditional-request validators. The Integration layer can persist these (e.g. a
/// table keyed by identity + URL) so a re-sync after a restart is still all 304s.
///
/// Validators are only worth storing once the caller has durably applied the data they describe;
/// see ``ConditionalMode``.
public protocol ETagStore: Sendable {
    func validators(for key: ETagKey) async throws -> CacheValidators?
    func store(_ validators: CacheValidators, for key: ETagKey) async throws
    func remove(_ key: ETagKey) async throws
}

/// Process-local ``ETagStore``.
public actor InMemoryETagStore: ETagStore {
    private var entries: [ETagKey: CacheValidators] = [:]

    public init() {}

    public func validators(for key: ETagKey) -> CacheValidators? { entries[key] }
    public func store(_ validators: CacheValidators, for key: ETagKey) { entries[key] = validators }
    public func remove(_ key: ETagKey) { entries[key] = nil }
    public var count: Int { entries.count }
}

/// When a GET is conditional and who writes the validators back.
public enum ConditionalMode: Sendable, Hashable {
    /// Plain GET: no `If-None-Match`, nothing stored.
    case none
    /// Send stored validators; store new ones as soon as the response arrives. Simple, but if the
    /// caller crashes before applying the data, the next run gets a 304 and never sees it.
    case storeOnReceipt
    /// Send stored validators; the caller stores ``GitHubPage/validators`` (or the `.modified`
    /// validators) itself after committing what it wrote. What a sync should use.
    case callerStores
}
