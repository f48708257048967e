import Foundation

/// A webhook delivery: the headers that identify it and the raw body, before or after verification.
///
/// `deliveryID` (`X-GitHub-Delivery`) is the same GUID when GitHub (or a person) redelivers, so it
/// is the dedupe key. `action` is read from the body (absent for `push`, `create`, `delete`, `ping`).
public struct WebhookDelivery: Sendable {
    /// `X-GitHub-Event`, e.g. `issues`, `pull_request`, `push`.
    public var event: String
    /// `X-GitHub-Delivery`.
    public var deliveryID: String
    /// `X-Hub-Signature-256`, if sent.
    public var signature256: String?
    /// `X-GitHub-Hook-ID`, if sent.
    public var hookID: String?
    /// `X-GitHub-Hook-Installation-Target-ID`, if sent (the App or repository id).
    public var installationTargetID: String?
    /// The raw bytes, exactly as received (what the signature covers).
    public var body: Data

    public enum ParseError: Error, Sendable, Equatable {
        case missingHeader(String)
    }

    /// Reads the GitHub headers from any header list (case-insensitive names).
    public init(headers: some Sequence<(String, String)>, body: Data) throws {
        var lookup: [String: String] = [:]
        for (name, value) in headers where lookup[name.lowercased()] == nil {
            lookup[name.lowercased()] = value
        }
        guard let event = lookup["x-github-event"], !event.isEmpty else { throw ParseError.missingHeader("X-GitHub-Event") }
        guard let delivery = lookup["x-github-delivery"], !delivery.isEmpty else { throw ParseError.missingHeader("X-GitHub-Delivery") }
        self.init(
            event: event, deliveryID: delivery, signature256: lookup["x-hub-signature-256"], body: body,
            hookID: lookup["x-github-hook-id"], installationTargetID: lookup["x-github-hook-installation-target-id"])
    }

    public init(event: String, deliveryID: String, signature256: String?, body: Data,
                hookID: String? = nil, installationTargetID: String? = nil) {
        self.event = event
        self.deliveryID = deliveryID
        self.signature256 = signature256
        self.hookID = hookID
        self.installationTargetID = installationTargetID
        self.body = body
    }

    /// Verifies the signature with `verifier`.
    public func verify(with verifier: WebhookVerifier) throws {
        try verifier.verify(body: body, signatureHeader: signature256)
    }

    /// The common envelope (action, repository, sender, installation id) without decoding the
    /// event-specific parts; cheap enough to run at ingest time.
    public func envelope() throws -> WebhookEnvelope {
        do {
            return try JSONDecoder().decode(WebhookEnvelope.self, from: body)
        } catch {
            throw GitHubError.decoding("\(event) webhook envelope: \(error)")
        }
    }

    /// The typed payload for the events this product handles, `.other` for the rest.
    public func payload() throws -> WebhookPayload {
        try WebhookPayload(event: event, body: body)
    }
}

/// The keys every webhook may carry. `repository` is absent for `installation` and
/// `installation_repositories` (and org-level `ping`); `installation` only for App deliveries.
public struct WebhookEnvelope: Sendable, Decodable {
    public var action: String?
    public var repository: GitHubRepository?
    public var sender: GitHubUser?
    public var installation: InstallationReference?
    public var organization: GitHubUser?
}

/// `installation` as most App deliveries carry it: just `{id, node_id}`.
public struct InstallationReference: Sendable, Hashable, Codable {
    public var id: Int64
    public var nodeID: String?

    enum CodingKeys: String, CodingKey {
        case id
        case nodeID = "node_id"
    }
}
