import AsyncHTTPClient
import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import NIOCore
import NIOFoundationCompat
import TestSupport
import Testing

/// Settings that change what a site accepts get sites of their own.
@Suite("Webhooks: secrets, rotation and hook management", .serialized)
struct WebhookSettingsTests {
    func ping(_ h: WebhookHarness.Running, secret: String?) async throws -> (WebhookReply, String) {
        let body = try RecordedPayload("ping/payload.json").data
        let delivery = UUID().uuidString
        let reply = try await GitHubPost.send(to: h.baseURL, site: h.siteName, event: "ping", delivery: delivery, body: body,
                                              signature: secret.map { WebhookVerifier.signature(for: body, secret: $0) })
        return (reply, delivery)
    }

    @Test("no secret configured: 403, unless unsigned deliveries are explicitly allowed")
    func noSecret() async throws {
        let h = try await WebhookHarness.shared.start("webhooks-nosecret", secret: nil)
        let (refused, delivery) = try await ping(h, secret: nil)
        #expect(refused.status == 403)
        #expect(try await h.get("GitHub Webhook Delivery", delivery) == nil)
        try await h.site.write(user: "Administrator") { try $0.setSingle("GitHub Settings", ["allow_unsigned_webhooks": .int(1)]) }
        let (accepted, unsigned) = try await ping(h, secret: nil)
        #expect(accepted.status == 202)
        let stored = try await h.processed(unsigned)
        #expect(stored["signature_valid"].int == 0)
        #expect(stored["status"].string == "Applied")
    }

    @Test("after a rotation the previous secret is accepted for the grace period, then refused")
    func rotation() async throws {
        let h = try await WebhookHarness.shared.start("webhooks-rotation", secret: "old-secret")
        try await h.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["webhook_secret": "new-secret", "previous_webhook_secret": "old-secret",
                                                "webhook_secret_rotated_at": .datetime(w.now())])
        }
        #expect(try await ping(h, secret: "new-secret").0.status == 202)
        #expect(try await ping(h, secret: "old-secret").0.status == 202)
        try await h.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["webhook_secret_rotated_at": .datetime(w.clock.local(Date().addingTimeInterval(-25 * 3600)))])
        }
        #expect(try await ping(h, secret: "old-secret").0.status == 401)
        #expect(try await ping(h, secret: "new-secret").0.status == 202)
    }

    @Test("create_repository_webhook subscribes exactly the handled events with the site's secret, once; list shows it")
    func hooks() async throws {
        let h = try await WebhookHarness.shared.start()
        let token = "wh-hooks-token"
        let fake = try await FakeGitHubServer.start(seed: FakeSeedGenerator(organization: "hooks", repositories: 1, issues: 1, pullRequests: 1,
                                                                             branches: 1, collaborators: 1, tokens: [token]).generate())
        defer { Task { await fake.stop() } }
        let repo = try #require(await fake.state.repositoryNames().first)
        let base = fake.baseURL
        try await h.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["personal_access_token": .string(token), "api_base_url": .string(base)])
        }
        let target = "https://erp.example.com" + WebhookSubscription.receiverPath
        let created = try await call(h, "github_api.create_repository_webhook", ["repo_full_name": repo, "webhook_url": target])
        #expect(created.status == 200)
        #expect(created.json?["message"]?["created"]?.bool == true)
        let hook = try #require(await fake.state.repository(repo)?.hooks.first)
        #expect(Set(hook.events) == Set(WebhookSubscription.events))
        #expect(hook.secret == WebhookHarness.secret)
        #expect(hook.url == target)
        let again = try await call(h, "github_api.create_repository_webhook", ["repo_full_name": repo, "webhook_url": target])
        #expect(again.json?["message"]?["created"]?.bool == false)
        #expect(await fake.state.repository(repo)?.hooks.count == 1)
        let listed = try await call(h, "github_api.list_repository_webhooks", ["repo_full_name": repo])
        let first = try #require(listed.json?["message"]?.array?.first)
        #expect(first["handled_events"]?.bool == true)
        #expect(!String(decoding: listed.body, as: UTF8.self).contains(WebhookHarness.secret))
        let guest = try await call(h, "github_api.create_repository_webhook", ["repo_full_name": repo], token: .some(nil))
        #expect(guest.status == 403)
    }

    func call(_ h: WebhookHarness.Running, _ method: String, _ args: [String: String], token: String?? = .none) async throws -> WebhookReply {
        var request = HTTPClientRequest(url: h.baseURL + "/api/method/erpnext_github_integration." + method)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Frappe-Site-Name", value: h.siteName)
        if let auth = token ?? h.adminToken { request.headers.add(name: "Authorization", value: "token \(auth)") }
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: args)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return WebhookReply(status: Int(response.status.code), body: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
