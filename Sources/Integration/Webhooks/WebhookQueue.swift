import Foundation
import Frappe
import GitHub

/// The delivery queue kept in `tabGitHub Webhook Delivery`.
///
/// A delivery is due while `next_attempt_at` is set and not in the future; it is cleared when the
/// delivery is finished, so the claim is an index range scan over pending rows only, oldest first.
/// Claiming, applying and recording the outcome happen in one transaction: a delivery is done
/// exactly when its writes commit, and a process killed mid-way leaves it queued.
public struct WebhookQueue: Sendable {
    public struct Policy: Sendable {
        /// Attempts before a delivery that keeps failing is marked Failed.
        public var maxAttempts: Int
        /// Delay before the 2nd attempt; doubled for each one after, up to `maxBackoff`.
        public var baseBackoff: TimeInterval
        public var maxBackoff: TimeInterval

        public init(maxAttempts: Int = 5, baseBackoff: TimeInterval = 2, maxBackoff: TimeInterval = 600) {
            self.maxAttempts = max(1, maxAttempts)
            self.baseBackoff = baseBackoff
            self.maxBackoff = maxBackoff
        }
    }

    static let doctype = "GitHub Webhook Delivery"
    public let policy: Policy

    public init(policy: Policy = Policy()) { self.policy = policy }

    /// Claims one due delivery (`FOR UPDATE SKIP LOCKED`, so workers in any number of processes
    /// never take the same one), applies it and records the outcome. False when nothing is due.
    public func processNext(_ site: Site) async throws -> Bool {
        let policy = self.policy
        return try await site.write(user: "Administrator") { w in
            let due = try w.list(Self.doctype, where: ["next_attempt_at": .atMost(.datetime(w.now()))], fields: ["name"],
                                 orderBy: "next_attempt_at", limit: 1, lock: .forUpdateSkipLocked)
            guard let name = due.first?["name"].string else { return false }
            guard let delivery = try w.get(Self.doctype, name) else { return true }
            guard delivery["status"].string == DeliveryStatus.queued.rawValue else {
                // Finished, but still marked due (edited by hand): take it off the queue.
                try w.update(Document(Self.doctype, name: name, ["next_attempt_at": .null]))
                return true
            }
            let attempts = (delivery["attempts"].int ?? 0) + 1
            var values: [String: FrappeValue] = ["attempts": .int(attempts)]
            do {
                // The handler's writes are undone on failure; the claim and this record of it commit.
                let outcome = try w.savepoint {
                    try DeliveryApplier(writer: w).apply(event: delivery["event"].string ?? "",
                                                         payload: Data((delivery["payload"].text ?? "").utf8))
                }
                values["status"] = outcome.status.value
                values["last_error"] = .optional(outcome.reason)
                values["processed_at"] = .datetime(w.now())
                values["next_attempt_at"] = .null
            } catch where Site.abortsTransaction(error) {
                throw error   // the whole transaction is gone: retried as a whole, or the delivery stays queued
            } catch {
                let failure = DeliveryFailure(error)
                if failure.permanent || attempts >= policy.maxAttempts {
                    values["status"] = DeliveryStatus.failed.value
                    values["last_error"] = .string(failure.reason)
                    values["processed_at"] = .datetime(w.now())
                    values["next_attempt_at"] = .null
                } else {
                    let delay = min(policy.maxBackoff, policy.baseBackoff * pow(2, Double(attempts - 1))) * Double.random(in: 0.8...1.2)
                    values["next_attempt_at"] = .datetime(w.clock.local(Date().addingTimeInterval(delay)))
                    values["last_error"] = .string("attempt \(attempts) of \(policy.maxAttempts) failed: \(failure.reason)")
                }
            }
            try w.update(Document(Self.doctype, name: name, values))
            return true
        }
    }

    /// `webhooks.replay_delivery`: queues a stored delivery again, as if it had just arrived.
    public static func replay(_ name: String, site: Site, user: String) async throws -> JSONValue {
        try await site.write(user: user) { w in
            guard let stored = try w.get(doctype, name, forUpdate: true), let storedName = stored.name else {
                throw FrappeError.notFound("GitHub Webhook Delivery \(name) not found")
            }
            try w.update(Document(doctype, name: storedName, ["status": DeliveryStatus.queued.value, "attempts": .int(0), "next_attempt_at": .datetime(w.now()),
                                                              "last_error": .null, "processed_at": .null]))
            return .object(["delivery": .string(storedName), "status": .string(DeliveryStatus.queued.rawValue),
                            "previous_status": .string(stored["status"].string ?? "")])
        }
    }
}

/// Why applying a delivery failed, for `last_error`, and whether trying again could help.
struct DeliveryFailure {
    var reason: String
    var permanent: Bool

    init(_ error: Error) {
        switch error {
        case let e as DeliveryApplier.Rejection:
            (reason, permanent) = (e.reason, true)
        case let e as GitHubError:
            if case .decoding(let detail) = e {
                (reason, permanent) = ("The payload does not have the shape of its event: \(detail)", true)
            } else {
                (reason, permanent) = ("GitHub error: \(e)", false)
            }
        case let e as FrappeError:
            let transient: Set<FrappeExceptionType> = [.internalError, .serviceUnavailable, .tooManyRequestsError]
            (reason, permanent) = ("\(e.type.rawValue): \(e.message)", !transient.contains(e.type))
        case let e where FrappeError(database: e) != nil:
            (reason, permanent) = (FrappeError(database: e)?.message ?? "Database error", false)
        default:
            (reason, permanent) = ("\(type(of: error))", false)
        }
        if reason.count > 2000 { reason = String(reason.prefix(2000)) + "…" }
    }
}
