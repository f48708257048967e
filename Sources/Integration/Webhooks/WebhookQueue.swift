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

    /// Claims one due delivery and applies it (see ``processBatch(_:limit:)``). False when nothing is due.
    public func processNext(_ site: Site) async throws -> Bool {
        try await processBatch(site, limit: 1) > 0
    }

    /// Claims up to `limit` due deliveries, oldest first (`FOR UPDATE SKIP LOCKED`, so workers in
    /// any number of processes never take the same one), applies each in its own savepoint and
    /// records each outcome, all in one transaction: one commit for the batch, and a delivery is
    /// done exactly when its writes commit. A delivery that fails is recorded as failing without
    /// undoing the others; an error that ends the transaction (a deadlock) retries the batch as a
    /// whole, and a process killed mid-way leaves every one of them queued. Returns how many
    /// were taken (0 when nothing is due).
    public func processBatch(_ site: Site, limit: Int) async throws -> Int {
        let policy = self.policy
        return try await site.write(user: "Administrator") { w in
            let due = try w.list(Self.doctype, where: ["next_attempt_at": .atMost(.datetime(w.now()))], fields: ["name"],
                                 orderBy: "next_attempt_at", limit: max(1, limit), lock: .forUpdateSkipLocked)
            let names = due.compactMap { $0["name"].string }
            for name in names { try Self.process(name, policy: policy, w) }
            return names.count
        }
    }

    /// Applies one claimed delivery and records its outcome.
    static func process(_ name: String, policy: Policy, _ w: DocumentWriter) throws {
        guard let delivery = try w.get(doctype, name) else { return }
        guard delivery["status"].string == DeliveryStatus.queued.rawValue else {
            // Finished, but still marked due (edited by hand): take it off the queue.
            try w.update(Document(doctype, name: name, ["next_attempt_at": .null]))
            return
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
            throw error   // the whole transaction is gone: retried as a whole, or the deliveries stay queued
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
        try w.update(Document(doctype, name: name, values))
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
