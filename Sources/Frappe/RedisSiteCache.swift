import Foundation
import Logging
import Metrics
import NIOPosix
import Synchronization

/// Frappe's Redis after a sidecar commit: deletes the cache keys the write made stale and
/// publishes the realtime events a desk save would, so open forms and lists refresh.
///
/// Keys (`frappe/cache_manager.py`, `frappe/model/document.py`): `<db>|document_cache::<dt>::<name>`
/// (v15; v14 keeps a `document_cache` hash), meta hashes on schema changes, `roles` on role changes.
/// Events (`frappe/realtime.py`): `doc_update` to the document's room and `list_update` to the
/// DocType's room, published on the `events` channel of `redis_socketio` or `redis_queue`.
///
/// Redis never holds up a request or a commit: ``committed(_:dbName:)`` only queues the change
/// and returns; the site's own thread sends the queue, waiting at most a second per Redis reply.
/// While Redis is down or frozen the queue is kept (bounded: the oldest changes go first, counted
/// in `sidecar_frappe_redis_dropped_total`) and retried every second; each failed attempt is
/// counted in `sidecar_frappe_redis_failures_total`, and an outage is logged once when it starts
/// and once when it ends.
public final class RedisSiteCache: SiteCache {
    private struct Pending {
        var changes: ChangeSet
        var dbName: String
    }

    /// The connections, used only on the cache thread (one drain at a time), so never under the
    /// lock a request takes to queue a change.
    private final class Connections: @unchecked Sendable {
        var cache: RedisConnection?
        var events: RedisConnection?
    }

    private struct State {
        var queue: [Pending] = []
        var draining = false
        /// Failed attempts in the current outage (0: Redis answers).
        var failures = 0
    }

    /// Change sets kept while Redis cannot be reached.
    public static let maxQueued = 1_000

    private let cacheURL: String
    private let eventsURL: String?
    private let site: String
    private let timeoutSeconds: Int
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let state = Mutex(State())
    private let connections = Connections()
    private let logger: Logger

    public init(cacheURL: String, eventsURL: String?, site: String, timeoutSeconds: Int = 1, logger: Logger = Logger(label: "frappe.redis")) {
        self.cacheURL = cacheURL
        self.eventsURL = eventsURL
        self.site = site
        self.timeoutSeconds = timeoutSeconds
        self.logger = logger
        thread.start()
    }

    deinit { thread.shutdownGracefully { _ in } }

    /// Queues the change for Redis and returns at once.
    public func committed(_ changes: ChangeSet, dbName: String) async {
        let (start, dropped) = state.withLock { s -> (Bool, Int) in
            s.queue.append(Pending(changes: changes, dbName: dbName))
            let dropped = max(0, s.queue.count - Self.maxQueued)
            if dropped > 0 { s.queue.removeFirst(dropped) }
            guard !s.draining else { return (false, dropped) }
            s.draining = true
            return (true, dropped)
        }
        if dropped > 0 { Counter(label: "sidecar_frappe_redis_dropped_total", dimensions: [("site", site)]).increment(by: dropped) }
        if start {
            thread.submit { [self] work in
                guard case .active = work else { state.withLock { $0.draining = false }; return }
                drain()
            }
        }
    }

    /// True once everything queued so far has been sent (or dropped); for tests and shutdown.
    public var isIdle: Bool { state.withLock { $0.queue.isEmpty && !$0.draining } }

    /// On the cache thread: sends the queue until it is empty, retrying every second while Redis
    /// fails.
    private func drain() {
        while true {
            let batch = state.withLock { s -> [Pending]? in
                guard !s.queue.isEmpty else { s.draining = false; return nil }
                defer { s.queue.removeAll() }
                return s.queue
            }
            guard let batch else { return }
            do {
                try apply(batch)
                let outage = state.withLock { s -> Int in defer { s.failures = 0 }; return s.failures }
                if outage > 0 { logger.notice("Frappe's Redis for \(site) answers again (\(outage) failed attempts); the cache is refreshed") }
            } catch {
                connections.cache = nil
                connections.events = nil
                let (first, dropped) = state.withLock { s -> (Bool, Int) in
                    s.failures += 1
                    // Put the batch back in front of what came meanwhile, within the bound.
                    let kept = batch + s.queue
                    s.queue = Array(kept.suffix(Self.maxQueued))
                    return (s.failures == 1, kept.count - s.queue.count)
                }
                Counter(label: "sidecar_frappe_redis_failures_total", dimensions: [("site", site)]).increment()
                if dropped > 0 { Counter(label: "sidecar_frappe_redis_dropped_total", dimensions: [("site", site)]).increment(by: dropped) }
                if first { logger.error("Frappe's Redis for \(site) does not answer (\(error)); cache refreshes are queued and retried") }
                Thread.sleep(forTimeInterval: 1)
            }
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
        for event in changes.realtime {
            let published: JSONValue = .object(["event": .string(event.event), "room": .string(event.room),
                                                "namespace": .string(site), "message": event.message])
            messages.append(published.pythonJSON())
        }
        return messages
    }

    private func apply(_ batch: [Pending]) throws {
        let cache = try connections.cache ?? RedisConnection(url: cacheURL, timeoutSeconds: timeoutSeconds)
        connections.cache = cache
        var events: RedisConnection?
        if let eventsURL {
            events = try connections.events ?? RedisConnection(url: eventsURL, timeoutSeconds: timeoutSeconds)
            connections.events = events
        }
        let commands = batch.flatMap { Self.invalidationCommands(for: $0.changes, dbName: $0.dbName) }
        if !commands.isEmpty { _ = try cache.pipeline(commands) }
        let messages = batch.flatMap { self.events(for: $0.changes) }
        if !messages.isEmpty { _ = try (events ?? cache).pipeline(messages.map { ["PUBLISH", "events", $0] }) }
    }
}
