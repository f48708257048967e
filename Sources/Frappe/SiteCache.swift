/// A document or DocType a transaction changed, for cache invalidation and realtime events.
public struct DocumentKey: Hashable, Sendable {
    public var doctype: String
    public var name: String
    public init(_ doctype: String, _ name: String) {
        self.doctype = doctype
        self.name = name
    }
}

/// What a site transaction changed, handed to the cache after commit.
public struct ChangeSet: Sendable {
    public var documents: [DocumentKey] = []
    public var deleted: [DocumentKey] = []
    /// DocTypes whose meta changed (custom fields, property setters, permissions).
    public var metaChanged: Set<String> = []
    /// Users whose roles changed.
    public var rolesChanged: Set<String> = []
    /// The new `modified` of each written document (for `doc_update` events).
    public var modified: [DocumentKey: String] = [:]
    /// Single DocTypes among the written documents (they have no list to refresh).
    public var singles: Set<String> = []
    /// Who made the change.
    public var user: String = ""
    /// Events to publish as they are (progress bars), besides those the documents imply.
    public var realtime: [RealtimeEvent] = []
    public var isEmpty: Bool { documents.isEmpty && deleted.isEmpty && metaChanged.isEmpty && rolesChanged.isEmpty && realtime.isEmpty }
    public init() {}
}

/// Frappe's Redis cache as seen from the sidecar: after a commit, the keys it made stale are
/// deleted and the desk is told to refresh (ARCHITECTURE §3.3).
public protocol SiteCache: Sendable {
    func committed(_ changes: ChangeSet, dbName: String) async
}

/// For sites with no Redis (tests of the store alone, `dev-site` before Redis is up).
public struct NoSiteCache: SiteCache {
    public init() {}
    public func committed(_ changes: ChangeSet, dbName: String) async {}
}
