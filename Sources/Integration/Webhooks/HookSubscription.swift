import Foundation
import Frappe
import GitHub

/// What a repository hook of ours subscribes to, and where it delivers.
public enum WebhookSubscription {
    /// Exactly the events the handlers apply (GitHub sends `ping` to every new hook on its own).
    public static let events = ["issues", "pull_request", "pull_request_review", "push", "create", "delete", "member", "repository"]

    public static let receiverPath = "/api/method/erpnext_github_integration.webhooks.github_webhook"
}

extension Doorbell {
    /// The bell shared by this process's receiver and workers.
    public static let process = Doorbell()
}

/// Repository hooks that deliver to this site: exactly the handled events, signed with the site's
/// secret, pointing at the site's public URL (`host_name` in site_config.json, else `https://<site>`).
struct HookSubscription {
    let site: Site
    let client: GitHubClient

    func create(repository: String, url given: String?) async throws -> JSONValue {
        let (owner, repo) = try ownerRepo(repository)
        let secret = try await site.read { r in try r.getPassword("GitHub Settings", "GitHub Settings", "webhook_secret") }
        guard let secret, !secret.isEmpty else {
            throw FrappeError.validation("Set a Webhook Secret in GitHub Settings first: GitHub must sign every delivery")
        }
        let url = given ?? publicURL()
        // Look before creating: a second click (or a retried request) must not add a second hook.
        let existing = try await github { try await client.hooks(owner: owner, repo: repo).collect() }
        if let hook = existing.first(where: { $0.config?.url == url }) {
            return Self.describe(hook, created: false)
        }
        let hook = try await github {
            try await client.createHook(owner: owner, repo: repo, url: url, secret: secret, events: WebhookSubscription.events)
        }
        return Self.describe(hook, created: true)
    }

    func list(repository: String) async throws -> JSONValue {
        let (owner, repo) = try ownerRepo(repository)
        let hooks = try await github { try await client.hooks(owner: owner, repo: repo).collect() }
        return .array(hooks.map { Self.describe($0, created: nil) })
    }

    func publicURL() -> String {
        var base = site.config.hostName.flatMap { $0.isEmpty ? nil : $0 } ?? site.name
        if !base.hasPrefix("http://") && !base.hasPrefix("https://") { base = "https://" + base }
        while base.hasSuffix("/") { base.removeLast() }
        return base + WebhookSubscription.receiverPath
    }

    /// What the desk shows of a hook; GitHub never returns the secret, and neither do we.
    static func describe(_ hook: GitHubHook, created: Bool?) -> JSONValue {
        var out: [String: JSONValue] = [
            "id": .number(Double(hook.id)), "url": .string(hook.config?.url ?? ""), "active": .bool(hook.active ?? false),
            "events": .array((hook.events ?? []).map { .string($0) }),
            "handled_events": .bool(Set(hook.events ?? []) == Set(WebhookSubscription.events)),
        ]
        if let created { out["created"] = .bool(created) }
        return .object(out)
    }
}
