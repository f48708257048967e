import Foundation
import Frappe
import GitHub

/// Which deliveries a site accepts (ARCHITECTURE §3.5): signed with `webhook_secret`, or with
/// `previous_webhook_secret` for a grace period after a rotation, or — only when GitHub Settings
/// explicitly allows it and no secret is set — unsigned.
///
/// Read from the site on every delivery (inside the receipt's transaction), so a rotation or a
/// new secret takes effect with the next delivery; secrets never leave this value.
struct WebhookPolicy: Sendable {
    /// How long the previous secret stays valid after `webhook_secret_rotated_at`.
    static let rotationGrace: TimeInterval = 24 * 3600

    let verifier: WebhookVerifier
    let allowUnsigned: Bool

    static func load(_ r: DocumentReader) throws -> WebhookPolicy {
        let settings = try r.getSingle("GitHub Settings")
        var secrets: [String] = []
        if let current = try r.getPassword("GitHub Settings", "GitHub Settings", "webhook_secret"), !current.isEmpty {
            secrets.append(current)
        }
        if case .datetime(let rotated) = settings["webhook_secret_rotated_at"],
           rotated >= r.clock.local(Date().addingTimeInterval(-rotationGrace)),
           let previous = try r.getPassword("GitHub Settings", "GitHub Settings", "previous_webhook_secret"), !previous.isEmpty {
            secrets.append(previous)
        }
        return WebhookPolicy(verifier: WebhookVerifier(secrets: secrets), allowUnsigned: settings["allow_unsigned_webhooks"].int == 1)
    }

    /// Whether the delivery may be stored, and whether it was signed. Refusals are 401 (bad or
    /// missing signature) or 403 (no secret configured); messages never carry a secret.
    func check(body: Data, signature: String?) throws -> Bool {
        guard verifier.hasSecrets else {
            if allowUnsigned { return false }
            throw FrappeError.permission("No webhook secret is configured for this site; set Webhook Secret in GitHub Settings")
        }
        do {
            try verifier.verify(body: body, signatureHeader: signature)
            return true
        } catch let error as WebhookVerificationError {
            throw FrappeError.authentication("Webhook delivery refused: \(error)")
        }
    }
}

/// The few keys the receipt records (action, repository name and id), read leniently: a payload
/// of the wrong shape is still stored and then marked failed by a worker, with the reason.
struct DeliveryEnvelope: Sendable {
    var action: String?
    var repository: String?
    var repositoryID: String?
    /// The JSON text to store: the body, or the `payload` field of a form-encoded delivery.
    var json: String

    init(body: Data, contentType: String?) {
        var jsonData = body
        if contentType?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let form = String(decoding: body, as: UTF8.self)
            for pair in form.split(separator: "&") where pair.hasPrefix("payload=") {
                let value = pair.dropFirst("payload=".count).replacingOccurrences(of: "+", with: " ")
                jsonData = Data((value.removingPercentEncoding ?? value).utf8)
            }
        }
        json = String(decoding: jsonData, as: UTF8.self)
        guard case .object(let object)? = try? JSONValue.decode(jsonData) else { return }
        if case .string(let a)? = object["action"] { action = Mirror.shown(a) }
        if case .object(let repo)? = object["repository"] {
            if case .string(let full)? = repo["full_name"] { repository = Mirror.shown(full) }
            if case .number(let id)? = repo["id"], id.isFinite, id == id.rounded(), abs(id) < 1e15 { repositoryID = String(Int64(id)) }
        }
    }
}
