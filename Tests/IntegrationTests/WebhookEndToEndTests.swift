import Foundation
import Frappe
import GitHub
import Integration
import TestSupport
import Testing

/// The built `github-sidecar` binary behind real nginx with `docker/nginx/github-sidecar.conf`:
/// deliveries take the path GitHub's take in production.
@Suite("Webhooks end to end: nginx → github-sidecar binary → MariaDB")
struct WebhookEndToEndTests {
    @Test("a recorded payload through nginx lands as the expected rows", arguments: fixtureExpectations)
    func recordedPayload(_ expectation: FixtureExpectation) async throws {
        try await WebhookFixtureTests.run(expectation, on: try await EndToEndHarness.shared.start())
    }

    @Test("through nginx: the same delivery twice applies once; an older edit changes nothing")
    func duplicateAndOrder() async throws {
        let h = try await EndToEndHarness.shared.start()
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        var newer = try RecordedPayload("issues/opened.json")
        newer.moveRepository(id: repo.id, fullName: repo.fullName)
        newer.set(["issue", "updated_at"], "2024-06-01T12:00:00Z")
        newer.set(["issue", "title"], "Newer")
        let delivery = UUID().uuidString
        let (first, _) = try await h.deliver("issues", newer, delivery: delivery)
        #expect(first.status == 202)
        let again = try await GitHubPost.signed(h, event: "issues", delivery: delivery, body: newer.data)
        #expect(again.status == 200)
        var older = newer
        older.set(["action"], "edited")
        older.set(["issue", "updated_at"], "2024-06-01T11:00:00Z")
        older.set(["issue", "title"], "Older")
        let (_, skipped) = try await h.deliver("issues", older)
        #expect(skipped["status"].string == "Skipped")
        let issue = try await h.get("Repository Issue", repo.issue(1))
        #expect(issue?["title"].string == "Newer")
        let stored = try await h.get("GitHub Webhook Delivery", delivery)
        #expect(stored?["attempts"].int == 1)
    }

    @Test("through nginx: a bad signature and a tampered body are 401 and store nothing")
    func refusals() async throws {
        let h = try await EndToEndHarness.shared.start()
        let body = try RecordedPayload("issues/opened.json").data
        let good = WebhookVerifier.signature(for: body, secret: WebhookHarness.secret)
        var tampered = body
        tampered.append(UInt8(ascii: " "))
        for (payload, signature) in [(body, WebhookVerifier.signature(for: body, secret: "wrong")), (tampered, good)] {
            let delivery = UUID().uuidString
            let reply = try await GitHubPost.send(to: h.baseURL, site: h.siteName, event: "issues", delivery: delivery, body: payload,
                                                  signature: signature, siteAsHost: true)
            #expect(reply.status == 401)
            #expect(try await h.get("GitHub Webhook Delivery", delivery) == nil)
        }
    }
}
