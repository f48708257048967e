import Foundation
import Frappe

/// `webhooks.github_webhook`: verify, store, acknowledge (ARCHITECTURE §3.5). Nothing is applied
/// here: GitHub allows 10 s and never retries on its own, so the receipt only has to make the
/// delivery durable — one short transaction — and answer 202; workers apply it.
enum WebhookReceiver {
    static let doctype = "GitHub Webhook Delivery"

    /// The longest `X-GitHub-Delivery` / `X-GitHub-Event` kept: a Frappe name holds 140 characters.
    /// GitHub's delivery ids are GUIDs (36); a longer one is refused, never cut (two ids cut to one
    /// prefix would make the second a "duplicate" and drop it without a word).
    static let maxHeaderLength = 140

    /// A stored delivery answers 202; the same `X-GitHub-Delivery` again answers 200 and changes
    /// nothing. A bad or missing signature is 401 and nothing is stored; no secret is 403; a
    /// delivery id or event name too long to keep whole is 417 and nothing is stored.
    static func receive(_ call: RPCCall, doorbell: Doorbell) async throws -> RPCResult {
        let body = call.rawBody
        let signature = call.headers["x-hub-signature-256"]
        let event = call.headers["x-github-event"] ?? ""
        let deliveryID = call.headers["x-github-delivery"] ?? ""
        let envelope = DeliveryEnvelope(body: body, contentType: call.headers["content-type"])
        do {
            try await call.site.write(user: "Guest") { w in
                let signed = try WebhookPolicy.load(w).check(body: body, signature: signature)
                guard !event.isEmpty, !deliveryID.isEmpty else {
                    throw FrappeError.validation("A GitHub delivery needs X-GitHub-Event and X-GitHub-Delivery headers")
                }
                for (header, value) in [("X-GitHub-Delivery", deliveryID), ("X-GitHub-Event", event)] where value.count > maxHeaderLength {
                    throw FrappeError.validation("\(header) is \(value.count) characters long; at most \(maxHeaderLength) are kept whole, so the delivery was not stored")
                }
                let now = w.now()
                try w.insert(Document(doctype, name: deliveryID, [
                    "delivery_id": .string(deliveryID), "event": .string(event), "action": .optional(envelope.action),
                    "repository": .optional(envelope.repository), "repository_id": .optional(envelope.repositoryID),
                    "status": DeliveryStatus.queued.value, "attempts": .int(0), "next_attempt_at": .datetime(now), "payload": .string(envelope.json),
                    "received_at": .datetime(now), "signature_valid": .int(signed ? 1 : 0),
                ]))
            }
        } catch let error as FrappeError where error.type == .duplicateEntryError {
            return RPCResult(status: 200, message: .object(["delivery": .string(deliveryID), "status": .string(DeliveryStatus.duplicate.rawValue)]))
        }
        doorbell.ring(call.site.name)
        return RPCResult(status: 202, message: .object(["delivery": .string(deliveryID), "status": .string(DeliveryStatus.queued.rawValue)]))
    }
}
