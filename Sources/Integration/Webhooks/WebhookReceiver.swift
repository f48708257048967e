import Foundation
import Frappe

/// `webhooks.github_webhook`: verify, store, acknowledge (ARCHITECTURE §3.5). Nothing is applied
/// here: GitHub allows 10 s and never retries on its own, so the receipt only has to make the
/// delivery durable — one short transaction — and answer 202; workers apply it.
enum WebhookReceiver {
    static let doctype = "GitHub Webhook Delivery"

    /// A stored delivery answers 202; the same `X-GitHub-Delivery` again answers 200 and changes
    /// nothing. A bad or missing signature is 401 and nothing is stored; no secret is 403.
    static func receive(_ call: RPCCall, doorbell: Doorbell) async throws -> RPCResult {
        let body = call.rawBody
        let signature = call.headers["x-hub-signature-256"]
        let event = call.headers["x-github-event"].map(Mirror.data) ?? ""
        let deliveryID = call.headers["x-github-delivery"].map(Mirror.data) ?? ""
        let envelope = DeliveryEnvelope(body: body, contentType: call.headers["content-type"])
        do {
            try await call.site.write(user: "Guest") { w in
                let signed = try WebhookPolicy.load(w).check(body: body, signature: signature)
                guard !event.isEmpty, !deliveryID.isEmpty else {
                    throw FrappeError.validation("A GitHub delivery needs X-GitHub-Event and X-GitHub-Delivery headers")
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
