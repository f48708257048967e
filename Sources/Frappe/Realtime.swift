import Foundation

/// One Frappe realtime event, as `frappe.publish_realtime` puts it on Redis's `events` channel:
/// `{"event", "message", "room", "namespace": <site>}` (frappe/realtime.py, version-15).
public struct RealtimeEvent: Sendable {
    public var event: String
    public var room: String
    public var message: JSONValue

    public init(event: String, room: String, message: JSONValue) {
        self.event = event
        self.room = room
        self.message = message
    }

    /// `frappe.publish_progress(percent, title, description=…)` sent for `user`: the desk's
    /// socket client shows (and at 100 % hides) its progress bar for that user's sessions.
    public static func progress(percent: Double, title: String, description: String?, user: String) -> RealtimeEvent {
        RealtimeEvent(event: "progress", room: "user:\(user)",
                      message: .object(["percent": .number(percent), "title": .string(title),
                                        "description": description.map(JSONValue.string) ?? .null]))
    }
}

extension Site {
    /// Publishes realtime events now (not tied to a transaction), through the site's cache
    /// queue: it never waits for Redis, and events wait in the queue while Redis is away.
    public func publish(_ events: [RealtimeEvent]) async {
        guard !events.isEmpty else { return }
        var changes = ChangeSet()
        changes.realtime = events
        await cache.committed(changes, dbName: config.dbName)
    }
}
