import Foundation
import Frappe

/// `webhooks.github_webhook`: verify, store, acknowledge (ARCHITECTURE §3.5). Nothing is applied
/// here: GitHub allows 10 s and never retries on its own, so the receipt only has to make the
/// delivery durable — one short transaction, shared with the deliveries arriving at the same
/// moment — and answer 202; workers apply it.
enum WebhookReceiver {
    static let doctype = "GitHub Webhook Delivery"

    /// The longest `X-GitHub-Delivery` / `X-GitHub-Event` kept: a Frappe name holds 140 characters.
    /// GitHub's delivery ids are GUIDs (36); a longer one is refused, never cut (two ids cut to one
    /// prefix would make the second a "duplicate" and drop it without a word).
    static let maxHeaderLength = 140

    /// A stored delivery answers 202; the same `X-GitHub-Delivery` again answers 200 and changes
    /// nothing. A bad or missing signature is 401 and nothing is stored; no secret is 403; a
    /// delivery id or event name too long to keep whole is 417 and nothing is stored. Receipts
    /// arriving together share one commit (``ReceiptBatcher``).
    static func receive(_ call: RPCCall, batchers: ReceiptBatchers, doorbell: Doorbell) async throws -> RPCResult {
        let deliveryID = call.headers["x-github-delivery"] ?? ""
        let receipt = ReceiptBatcher.Receipt(body: call.rawBody, signature: call.headers["x-hub-signature-256"],
                                             event: call.headers["x-github-event"] ?? "", deliveryID: deliveryID,
                                             envelope: DeliveryEnvelope(body: call.rawBody, contentType: call.headers["content-type"]))
        switch try await batchers.batcher(for: call.site).submit(receipt) {
        case .stored:
            doorbell.ring(call.site.name)
            return RPCResult(status: 202, message: .object(["delivery": .string(deliveryID), "status": .string(DeliveryStatus.queued.rawValue)]))
        case .duplicate:
            return RPCResult(status: 200, message: .object(["delivery": .string(deliveryID), "status": .string(DeliveryStatus.duplicate.rawValue)]))
        case .refused(let error):
            throw error
        }
    }
}
