import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import TestSupport
import Testing

@Suite("Webhooks: receipt, signatures, exactly-once and ordering")
struct WebhookReceiverTests {
    func storedCount(_ h: WebhookHarness.Running, _ delivery: String) async throws -> Int {
        try await h.site.read { try $0.count("GitHub Webhook Delivery", where: ["delivery_id": .equals(.string(delivery))]) }
    }

    func openedIssue(_ repo: TestRepository, title: String? = nil, updatedAt: String? = nil, action: String? = nil) throws -> RecordedPayload {
        var payload = try RecordedPayload("issues/opened.json")
        payload.moveRepository(id: repo.id, fullName: repo.fullName)
        if let title { payload.set(["issue", "title"], title) }
        if let updatedAt { payload.set(["issue", "updated_at"], updatedAt) }
        if let action { payload.set(["action"], action) }
        return payload
    }

    @Test("the same delivery twice: 202 then 200, applied once")
    func duplicateAppliesOnce() async throws {
        let h = try await WebhookHarness.shared.start()
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        let delivery = UUID().uuidString
        let payload = try openedIssue(repo)
        let (first, applied) = try await h.deliver("issues", payload, delivery: delivery)
        #expect(first.status == 202)
        let second = try await GitHubPost.signed(h, event: "issues", delivery: delivery, body: payload.data)
        #expect(second.status == 200)
        #expect(second.json?["message"]?["status"]?.string == "Duplicate")
        try await Task.sleep(for: .milliseconds(300))
        let after = try #require(try await h.get("GitHub Webhook Delivery", delivery))
        #expect(after["attempts"].int == 1)
        #expect(after["processed_at"] == applied["processed_at"])
        #expect(try await storedCount(h, delivery) == 1)
    }

    @Test("a burst posted at once shares commits, yet each delivery gets its own answer: good ones stored and applied, a bad signature refused alone, a repeated id stored once")
    func burstAnsweredOneByOne() async throws {
        let h = try await WebhookHarness.shared.start()
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        let ids = (1...40).map { _ in UUID().uuidString }
        let bodies = try (1...40).map { n -> Data in
            var payload = try openedIssue(repo, title: "Burst \(n)")
            payload.set(["issue", "number"], n)
            payload.set(["issue", "id"], 900_000 + n)
            return payload.data
        }
        let forged = UUID().uuidString
        let replies = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for (id, body) in zip(ids, bodies) {
                group.addTask { (id, try await GitHubPost.signed(h, event: "issues", delivery: id, body: body).status) }
            }
            group.addTask { ("again", try await GitHubPost.signed(h, event: "issues", delivery: ids[0], body: bodies[0]).status) }
            group.addTask { (forged, try await GitHubPost.signed(h, event: "issues", delivery: forged, body: bodies[1], secret: "not-the-secret").status) }
            return try await group.reduce(into: [(String, Int)]()) { $0.append($1) }
        }
        let byID = Dictionary(replies.filter { $0.0 != "again" }, uniquingKeysWith: { a, _ in a })
        #expect(ids.dropFirst().allSatisfy { byID[$0] == 202 })
        let firstTwo = [byID[ids[0]], replies.first { $0.0 == "again" }?.1].compactMap { $0 }.sorted()
        #expect(firstTwo == [200, 202], "the id posted twice is stored once, the other post answered as a duplicate")
        #expect(byID[forged] == 401)
        #expect(try await storedCount(h, forged) == 0)
        for id in ids {
            #expect(try await storedCount(h, id) == 1)
            #expect(try await h.processed(id, timeout: .seconds(120))["status"].string == "Applied")
        }
        let titles = try await h.site.read { r in
            try r.list("Repository Issue", where: ["repository": .equals(.string(repo.fullName))], fields: ["title"]).compactMap { $0["title"].string }
        }
        #expect(Set(titles) == Set((1...40).map { "Burst \($0)" }))
    }

    @Test("an older edited after a newer one changes nothing; a newer one sets title and state")
    func olderEditChangesNothing() async throws {
        let h = try await WebhookHarness.shared.start()
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        _ = try await h.deliver("issues", try openedIssue(repo, title: "Newer title", updatedAt: "2024-03-01T10:00:00Z"))
        let before = try #require(try await h.get("Repository Issue", repo.issue(1)))
        let (_, older) = try await h.deliver("issues", try openedIssue(repo, title: "Older title", updatedAt: "2024-03-01T09:59:59Z", action: "edited"))
        #expect(older["status"].string == "Skipped")
        #expect(older["last_error"].string?.contains("Older than the stored issue") == true)
        let after = try #require(try await h.get("Repository Issue", repo.issue(1)))
        #expect(after["title"].string == "Newer title")
        #expect(after["modified"] == before["modified"], "nothing was written")

        var closed = try openedIssue(repo, title: "Newest title", updatedAt: "2024-03-01T10:00:01Z", action: "closed")
        closed.set(["issue", "state"], "closed")
        _ = try await h.deliver("issues", closed)
        let newest = try #require(try await h.get("Repository Issue", repo.issue(1)))
        #expect(newest["title"].string == "Newest title")
        #expect(newest["state"].string == "closed")
        // Europe/Berlin in March is UTC+1: GitHub's UTC becomes the site's local time.
        #expect(newest["updated_at"].text?.hasPrefix("2024-03-01 11:00:01") == true)
    }

    @Test("an action without state (pinned) keeps the stored state")
    func pinnedKeepsState() async throws {
        let h = try await WebhookHarness.shared.start()
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        var closed = try openedIssue(repo, updatedAt: "2024-05-01T10:00:00Z", action: "closed")
        closed.set(["issue", "state"], "closed")
        _ = try await h.deliver("issues", closed)
        var pinned = try openedIssue(repo, title: "Pinned title", updatedAt: "2024-05-01T10:00:05Z", action: "pinned")
        var issue = pinned.object["issue"] as? [String: Any] ?? [:]
        for key in ["state", "labels", "assignee", "assignees", "locked"] { issue[key] = nil }
        pinned.object["issue"] = issue
        let (_, delivery) = try await h.deliver("issues", pinned)
        #expect(delivery["status"].string == "Applied")
        let stored = try #require(try await h.get("Repository Issue", repo.issue(1)))
        #expect(stored["state"].string == "closed")
        #expect(stored["title"].string == "Pinned title")
        #expect(stored["labels"].string == "bug")
        #expect(stored.children["assignees_table"]?.count == 1)
    }

    @Test("a bad signature is 401 and stores nothing")
    func badSignature() async throws {
        let h = try await WebhookHarness.shared.start()
        let delivery = UUID().uuidString
        let body = try RecordedPayload("issues/opened.json").data
        let reply = try await GitHubPost.send(to: h.baseURL, site: h.siteName, event: "issues", delivery: delivery, body: body,
                                              signature: WebhookVerifier.signature(for: body, secret: "not-the-secret"))
        #expect(reply.status == 401)
        #expect(try await storedCount(h, delivery) == 0)
        #expect(!String(decoding: reply.body, as: UTF8.self).contains(WebhookHarness.secret))
    }

    @Test("a tampered body with a valid-looking signature is 401 and stores nothing")
    func tamperedBody() async throws {
        let h = try await WebhookHarness.shared.start()
        let delivery = UUID().uuidString
        let original = try RecordedPayload("issues/opened.json").data
        let signature = WebhookVerifier.signature(for: original, secret: WebhookHarness.secret)
        var tampered = original
        tampered.append(contentsOf: Array(" ".utf8))
        let reply = try await GitHubPost.send(to: h.baseURL, site: h.siteName, event: "issues", delivery: delivery, body: tampered, signature: signature)
        #expect(reply.status == 401)
        #expect(try await storedCount(h, delivery) == 0)
        let garbage = try await GitHubPost.send(to: h.baseURL, site: h.siteName, event: "issues", delivery: delivery,
                                                body: Data("{not json".utf8), signature: signature)
        #expect(garbage.status == 401)
    }

    @Test("a missing or malformed signature is 401")
    func missingSignature() async throws {
        let h = try await WebhookHarness.shared.start()
        let body = try RecordedPayload("ping/payload.json").data
        for signature in [nil, "sha256=zz", "sha1=" + String(repeating: "a", count: 40)] as [String?] {
            let delivery = UUID().uuidString
            let reply = try await GitHubPost.send(to: h.baseURL, site: h.siteName, event: "ping", delivery: delivery, body: body, signature: signature)
            #expect(reply.status == 401, "signature \(signature ?? "none")")
            #expect(try await storedCount(h, delivery) == 0)
        }
    }

    @Test("a body over 25 MB is 413")
    func tooLarge() async throws {
        let h = try await WebhookHarness.shared.start()
        let body = Data(repeating: UInt8(ascii: "a"), count: 25 * 1024 * 1024 + 1)
        let reply = try await GitHubPost.signed(h, event: "push", body: body)
        #expect(reply.status == 413)
    }

    @Test("a signed payload that does not fit its event is Failed with the reason, and writes nothing")
    func malformedPayloadFails() async throws {
        let h = try await WebhookHarness.shared.start()
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        var payload = try openedIssue(repo)
        payload.set(["issue", "number"], "one")
        let (_, delivery) = try await h.deliver("issues", payload)
        #expect(delivery["status"].string == "Failed")
        #expect(delivery["last_error"].string?.contains("does not have the shape") == true)
        #expect(try await h.site.read { try $0.count("Repository Issue", where: ["repository": .equals(.string(repo.fullName))]) } == 0)
    }

    @Test("unknown events and untracked repositories are Skipped with the reason")
    func skippedWithReason() async throws {
        let h = try await WebhookHarness.shared.start()
        let unknown = try await GitHubPost.signed(h, event: "star", body: Data(#"{"action":"created"}"#.utf8))
        #expect(unknown.status == 202)
        let untracked = TestRepository.make()
        var payload = try openedIssue(untracked)
        payload.set(["action"], "opened")
        let (_, delivery) = try await h.deliver("issues", payload)
        #expect(delivery["status"].string == "Skipped")
        #expect(delivery["last_error"].string?.contains("is not tracked") == true)
        #expect(try await h.get("Repository Issue", untracked.issue(1)) == nil)
    }

    @Test("replay_delivery re-queues a stored delivery and it is applied again")
    func replay() async throws {
        let h = try await WebhookHarness.shared.start()
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        let delivery = UUID().uuidString
        _ = try await h.deliver("issues", try openedIssue(repo), delivery: delivery)
        try await h.site.write(user: "Administrator") { w in
            try w.update(Document("Repository Issue", name: repo.issue(1), ["title": "Changed in the desk", "updated_at": "2000-01-01 00:00:00"]))
        }
        _ = try await WebhookQueue.replay(delivery, site: h.site, user: "Administrator")
        Doorbell.process.ring(h.siteName)
        let replayed = try await h.processed(delivery)
        #expect(replayed["status"].string == "Applied")
        #expect(try await h.get("Repository Issue", repo.issue(1))?["title"].string == "Spelling error in the README file")
    }
}
