import Foundation
import Frappe

/// Frappe's realtime `events` channel as a desk's socket.io server sees it.
public enum RedisEvents {
    /// Subscribes to `events` (reading on a thread of its own, since reads block) and collects the
    /// published payloads until `done` says the list is complete. A silence longer than
    /// `silence` fails the task.
    public static func listen(_ url: String, silence: Int = 30, until done: @escaping @Sendable ([String]) -> Bool) throws -> Task<[String], Error> {
        let subscriber = try RedisConnection(url: url, timeoutSeconds: silence)
        guard case .array = try subscriber.command(["SUBSCRIBE", "events"]) else { throw TestSetupError("SUBSCRIBE failed") }
        return Task {
            try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    do {
                        var messages: [String] = []
                        while !done(messages) {
                            if case .array(let parts) = try subscriber.readReply(), parts.count == 3, case .string(let payload) = parts[2] {
                                messages.append(payload)
                            }
                        }
                        continuation.resume(returning: messages)
                    } catch { continuation.resume(throwing: error) }
                }
            }
        }
    }

    public static func listen(_ url: String, count: Int) throws -> Task<[String], Error> {
        try listen(url) { $0.count >= count }
    }
}
