import Foundation
import Frappe

/// `erpnext_github_integration.webhooks`: the receiver GitHub posts to (ARCHITECTURE §3.5) and replay.
enum WebhooksMethods {
    static func methods(_ context: IntegrationContext, doorbell: Doorbell) -> [RPCMethod] {
        let batchers = ReceiptBatchers()
        var receiver = RPCMethod("webhooks.github_webhook", verbs: ["POST"], allowGuest: true,
                                 permission: RPCPermission("anyone: the delivery's HMAC signature is checked") { _ in }) { call in
            try await WebhookReceiver.receive(call, batchers: batchers, doorbell: doorbell)
        }
        receiver.takesRawBody = true
        return [
            receiver,
            RPCMethod("webhooks.replay_delivery", verbs: ["POST"], arguments: ["delivery"],
                      permission: .admin(to: "replay webhook deliveries")) { call in
                let result = try await WebhookQueue.replay(try call.args.require("delivery"), site: call.site, user: call.caller.user)
                doorbell.ring(call.site.name)
                return result
            },
        ]
    }
}
