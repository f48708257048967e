import Foundation
import Frappe
import Synchronization

/// Group commit for webhook receipts (ARCHITECTURE §3.5, issue 13).
///
/// Deliveries that arrive while a receipt transaction is committing wait for it and are stored
/// together in the next one: under a push storm each commit carries many receipts, while a lone
/// delivery is stored at once and waits for nobody (up to ``maxConcurrent`` transactions run side
/// by side). Each delivery is still answered only after the transaction holding it has committed,
/// and each is judged on its own: a bad signature or a duplicate id refuses that delivery and no other.
actor ReceiptBatcher {
    struct Receipt: Sendable {
        var body: Data
        var signature: String?
        var event: String
        var deliveryID: String
        var envelope: DeliveryEnvelope
    }

    enum Outcome: Sendable {
        case stored
        case duplicate
        case refused(FrappeError)
    }

    /// The most receipts one transaction carries; more wait for the next.
    static let maxBatch = 200
    /// Receipt transactions of one site in flight at once (the site's pool has 4 connections):
    /// a delivery arriving while they are all busy waits for the next, with the others arriving then.
    static let maxConcurrent = 3

    let site: Site
    private var waiting: [(receipt: Receipt, answer: CheckedContinuation<Outcome, any Error>)] = []
    private var drainers = 0

    init(site: Site) {
        self.site = site
    }

    /// Stores `receipt` with whatever else is waiting, and answers once that transaction committed.
    func submit(_ receipt: Receipt) async throws -> Outcome {
        try await withCheckedThrowingContinuation { answer in
            waiting.append((receipt, answer))
            if drainers < Self.maxConcurrent {
                drainers += 1
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maxBatch))
            waiting.removeFirst(batch.count)
            do {
                let outcomes = try await Self.store(batch.map(\.receipt), site: site)
                for (entry, outcome) in zip(batch, outcomes) { entry.answer.resume(returning: outcome) }
            } catch {
                // Nothing of the transaction committed: every delivery in it gets the error (a 503 when the database is away).
                for entry in batch { entry.answer.resume(throwing: error) }
            }
        }
        drainers -= 1
    }

    /// One transaction: the site's webhook policy read once, each receipt checked, the new ones
    /// inserted with one multi-row statement.
    static func store(_ receipts: [Receipt], site: Site) async throws -> [Outcome] {
        try await site.write(user: "Guest") { w in
            let policy: Result<WebhookPolicy, FrappeError>
            do { policy = .success(try WebhookPolicy.load(w)) } catch let error as FrappeError { policy = .failure(error) }
            let now = w.now()
            var outcomes = [Outcome?](repeating: nil, count: receipts.count)
            var accepted: [(index: Int, doc: Document)] = []
            for (index, receipt) in receipts.enumerated() {
                do {
                    let signed = try policy.get().check(body: receipt.body, signature: receipt.signature)
                    try validate(receipt)
                    accepted.append((index, document(receipt, signed: signed, now: now)))
                } catch let error as FrappeError {
                    outcomes[index] = .refused(error)
                }
            }
            // Ids stored before, or twice in this batch, are duplicates (the rows stay locked until commit).
            let stored = Set(try w.getMany(WebhookReceiver.doctype, names: accepted.compactMap(\.doc.name), forUpdate: true).keys.map { $0.lowercased() })
            var seen = Set<String>()
            var fresh: [(index: Int, doc: Document)] = []
            for entry in accepted {
                let key = (entry.doc.name ?? "").lowercased()
                if stored.contains(key) || !seen.insert(key).inserted { outcomes[entry.index] = .duplicate } else { fresh.append(entry) }
            }
            do {
                if !fresh.isEmpty { _ = try w.savepoint { try w.insert(fresh.map(\.doc)) } }
                for entry in fresh { outcomes[entry.index] = .stored }
            } catch where Site.abortsTransaction(error) {
                throw error
            } catch {
                // The same id stored by another process meanwhile, or a value the table refuses: one by one.
                for entry in fresh { outcomes[entry.index] = try insertOne(entry.doc, w) }
            }
            return outcomes.map { $0 ?? .refused(.internalError("The delivery was not stored")) }
        }
    }

    static func document(_ receipt: Receipt, signed: Bool, now: NaiveDateTime) -> Document {
        Document(WebhookReceiver.doctype, name: receipt.deliveryID, [
            "delivery_id": .string(receipt.deliveryID), "event": .string(receipt.event),
            "action": .optional(receipt.envelope.action), "repository": .optional(receipt.envelope.repository),
            "repository_id": .optional(receipt.envelope.repositoryID), "status": DeliveryStatus.queued.value,
            "attempts": .int(0), "next_attempt_at": .datetime(now), "payload": .string(receipt.envelope.json),
            "received_at": .datetime(now), "signature_valid": .int(signed ? 1 : 0),
        ])
    }

    /// One delivery in its own savepoint: stored, a duplicate, or refused with the reason.
    static func insertOne(_ doc: Document, _ w: DocumentWriter) throws -> Outcome {
        do {
            try w.savepoint { _ = try w.insert(doc) }
            return .stored
        } catch where Site.abortsTransaction(error) {
            throw error
        } catch let error as FrappeError {
            return error.type == .duplicateEntryError ? .duplicate : .refused(error)
        } catch {
            guard let mapped = FrappeError(database: error) else { throw error }
            return mapped.type == .duplicateEntryError ? .duplicate : .refused(mapped)
        }
    }

    /// Headers GitHub always sends, kept whole (a Frappe name holds 140 characters).
    static func validate(_ receipt: Receipt) throws {
        guard !receipt.event.isEmpty, !receipt.deliveryID.isEmpty else {
            throw FrappeError.validation("A GitHub delivery needs X-GitHub-Event and X-GitHub-Delivery headers")
        }
        for (header, value) in [("X-GitHub-Delivery", receipt.deliveryID), ("X-GitHub-Event", receipt.event)]
        where value.count > WebhookReceiver.maxHeaderLength {
            throw FrappeError.validation("\(header) is \(value.count) characters long; at most \(WebhookReceiver.maxHeaderLength) are kept whole, so the delivery was not stored")
        }
    }
}

/// One ``ReceiptBatcher`` per site in this process.
final class ReceiptBatchers: Sendable {
    private let batchers = Mutex<[String: ReceiptBatcher]>([:])

    func batcher(for site: Site) -> ReceiptBatcher {
        batchers.withLock { all in
            if let existing = all[site.name], existing.site === site { return existing }
            let made = ReceiptBatcher(site: site)
            all[site.name] = made
            return made
        }
    }
}
