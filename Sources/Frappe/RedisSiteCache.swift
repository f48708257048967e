import Foundation
import Logging
import NIOPosix
import Synchronization

/// Frappe's Redis after a sidecar commit: deletes the cache keys the write made stale and
/// publishes the realtime events a desk save would, so open forms and lists refresh.
///
/// Keys (`frappe/cache_manager.py`, `frappe/model/document.py`): `<db>|document_cache::<dt>::<name>`
/// (v15; v14 keeps a `document_cache` hash), meta hashes on schema changes, `roles` on role changes.
/// Events (`frappe/realtime.py`): `doc_update` to the document's room and `list_update` to the
/// DocType's room, published on the `events` channel of `redis_socketio` or `redis_queue`.
/// Redis being down never fails a write that has already committed; it is logged.
public final class RedisSiteCache: SiteCache {
    private let cacheURL: String
    private let eventsURL: String?
    private let site: String
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let connections = Mutex<(cache: RedisConnection?, events: RedisConnection?)>((nil, nil))
    private let logger: Logger

    public init(cacheURL: String, eventsURL: String?, site: String, logger: Logger = Logger(label: "frappe.redis")) {
        self.cacheURL = cacheURL
        self.eventsURL = eventsURL
        self.site = site
        self.logger = logger
        thread.start()
    }

    deinit { thread.shutdownGracefully { _ in } }

    public func committed(_ changes: ChangeSet, dbName: String) async {
        do {
            try await thread.runIfActive { try self.apply(changes, dbName: dbName) }
        } catch {
            connections.withLock { $0 = (nil, nil) }
            logger.warning("Frappe cache not refreshed: \(error)")
        }
    }

    /// The commands that make the cache agree with the database again.
    public static func invalidationCommands(for changes: ChangeSet, dbName: String) -> [[String]] {
        let p = dbName + "|"
        var commands: [[String]] = []
        for key in changes.documents + changes.deleted {
            commands.append(["DEL", "\(p)document_cache::\(key.doctype)::\(key.name)"])
            commands.append(["HDEL", "\(p)document_cache", "\(key.doctype)::\(key.name)"])
        }
        for doctype in changes.metaChanged.sorted() {
            for hash in ["doctype_meta", "doctype_form_meta", "last_modified", "linked_doctypes", "notifications", "workflow"] {
                commands.append(["HDEL", p + hash, doctype])
            }
            commands.append(["HDEL", "\(p)table_columns", "tab\(doctype)"])
        }
        if !changes.metaChanged.isEmpty {
            commands.append(["DEL", "\(p)is_table", "\(p)doctype_modules", "\(p)db_tables", "\(p)metadata_version"])
        }
        for user in changes.rolesChanged.sorted() { commands.append(["HDEL", "\(p)roles", user]) }
        return commands
    }

    /// `doc_update` and `list_update` payloads as `Document.notify_update` sends them.
    func events(for changes: ChangeSet) -> [String] {
        var messages: [String] = []
        for key in changes.documents {
            let doc: JSONValue = .object(["event": .string("doc_update"), "room": .string("doc:\(key.doctype)/\(key.name)"),
                                          "namespace": .string(site),
                                          "message": .object(["doctype": .string(key.doctype), "name": .string(key.name),
                                                              "modified": changes.modified[key].map(JSONValue.string) ?? .null])])
            messages.append(doc.pythonJSON())
        }
        for key in changes.documents + changes.deleted where !changes.singles.contains(key.doctype) {
            let list: JSONValue = .object(["event": .string("list_update"), "room": .string("doctype:\(key.doctype)"),
                                           "namespace": .string(site),
                                           "message": .object(["doctype": .string(key.doctype), "name": .string(key.name),
                                                               "user": .string(changes.user)])])
            messages.append(list.pythonJSON())
        }
        return messages
    }

    private func apply(_ changes: ChangeSet, dbName: String) throws {
        let (cache, events) = try connections.withLock { state -> (RedisConnection, RedisConnection?) in
            if state.cache == nil { state.cache = try RedisConnection(url: cacheURL) }
            if state.events == nil, let eventsURL { state.events = try RedisConnection(url: eventsURL) }
            guard let cache = state.cache else { throw RedisConnection.Failure(description: "no Redis connection") }
            return (cache, state.events)
        }
        let commands = Self.invalidationCommands(for: changes, dbName: dbName)
        if !commands.isEmpty { _ = try cache.pipeline(commands) }
        let messages = self.events(for: changes)
        if !messages.isEmpty { _ = try (events ?? cache).pipeline(messages.map { ["PUBLISH", "events", $0] }) }
    }
}
