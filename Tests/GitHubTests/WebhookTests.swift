import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("Webhook signatures and payloads")
struct WebhookTests {
    static let secret = "It's a Secret to Everybody"

    @Test("GitHub's documented example signature is reproduced")
    func documentedExample() throws {
        let body = Data("Hello, World!".utf8)
        #expect(WebhookVerifier.signature(for: body, secret: Self.secret)
            == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
        try WebhookVerifier(secrets: [Self.secret]).verify(
            body: body, signatureHeader: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test("Every recorded payload signed with the secret verifies; one flipped byte does not")
    func recordedPayloads() throws {
        let files = try Fixtures.jsonFiles(under: Fixtures.webhooks)
        #expect(files.count >= 40)
        let verifier = WebhookVerifier(secrets: [Self.secret])
        for (path, body) in files {
            let signature = WebhookVerifier.signature(for: body, secret: Self.secret)
            #expect(verifier.isValid(body: body, signatureHeader: signature), "\(path)")
            var tampered = body
            let index = tampered.index(tampered.startIndex, offsetBy: tampered.count / 2)
            tampered[index] ^= 0x01
            #expect(throws: WebhookVerificationError.signatureMismatch, "\(path)") {
                try verifier.verify(body: tampered, signatureHeader: signature)
            }
        }
    }

    @Test("Missing, malformed or wrongly-prefixed signatures are refused")
    func badHeaders() throws {
        let body = try Fixtures.data("webhooks/issues/opened.json")
        let verifier = WebhookVerifier(secrets: [Self.secret])
        #expect(throws: WebhookVerificationError.missingSignature) { try verifier.verify(body: body, signatureHeader: nil) }
        #expect(throws: WebhookVerificationError.missingSignature) { try verifier.verify(body: body, signatureHeader: "") }
        #expect(throws: WebhookVerificationError.malformedSignature) { try verifier.verify(body: body, signatureHeader: "sha256=nothex") }
        let sha1Style = "sha1=" + WebhookVerifier.signature(for: body, secret: Self.secret).dropFirst(7)
        #expect(throws: WebhookVerificationError.malformedSignature) { try verifier.verify(body: body, signatureHeader: sha1Style) }
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try verifier.verify(body: body, signatureHeader: WebhookVerifier.signature(for: body, secret: "wrong"))
        }
    }

    @Test("During rotation both the old and the new secret are accepted; neither alone accepts the other")
    func rotation() throws {
        let body = try Fixtures.data("webhooks/push/payload.json")
        let oldSignature = WebhookVerifier.signature(for: body, secret: "old-secret")
        let newSignature = WebhookVerifier.signature(for: body, secret: "new-secret")
        let rotating = WebhookVerifier(secrets: ["new-secret", "old-secret"])
        #expect(rotating.isValid(body: body, signatureHeader: oldSignature))
        #expect(rotating.isValid(body: body, signatureHeader: newSignature))
        #expect(!WebhookVerifier(secrets: ["new-secret"]).isValid(body: body, signatureHeader: oldSignature))
    }

    @Test("With no secret configured nothing verifies")
    func noSecret() throws {
        let body = Data("{}".utf8)
        #expect(throws: WebhookVerificationError.noSecretConfigured) {
            try WebhookVerifier(secrets: []).verify(body: body, signatureHeader: WebhookVerifier.signature(for: body, secret: ""))
        }
        #expect(!"\(WebhookVerifier(secrets: ["s3cr3t-value"]))".contains("s3cr3t"))
    }

    @Test("Delivery headers are read case-insensitively; action comes from the body")
    func deliveryHeaders() throws {
        let body = try Fixtures.data("webhooks/issues/opened.json")
        let delivery = try WebhookDelivery(headers: [
            ("x-github-event", "issues"), ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            ("X-HUB-SIGNATURE-256", WebhookVerifier.signature(for: body, secret: Self.secret)),
        ], body: body)
        #expect(delivery.event == "issues")
        #expect(delivery.deliveryID == "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        try delivery.verify(with: WebhookVerifier(secrets: [Self.secret]))
        #expect(try delivery.envelope().action == "opened")
        guard case .issues(let event) = try delivery.payload() else {
            Issue.record("expected an issues payload")
            return
        }
        #expect(event.action == "opened")
        #expect(!event.issue.isPullRequest)
        #expect(throws: WebhookDelivery.ParseError.missingHeader("X-GitHub-Delivery")) {
            _ = try WebhookDelivery(headers: [("X-GitHub-Event", "ping")], body: body)
        }
    }

    @Test("Payload pitfalls decode: epoch and ISO timestamps in one object, deletion push, PR marker, installation without repository")
    func payloadPitfalls() throws {
        guard case .push(let deletion) = try WebhookPayload(event: "push", body: try Fixtures.data("webhooks/push/payload.json")) else {
            Issue.record("push")
            return
        }
        #expect(deletion.deleted == true)
        #expect(deletion.after == PushEvent.zeroSHA)
        #expect(deletion.headCommit == nil)
        #expect(deletion.repository.createdAt?.date == Date(timeIntervalSince1970: 1_557_933_565), "epoch integer")
        #expect(deletion.repository.updatedAt == GitHubDate(iso8601: "2019-05-15T15:20:41Z"), "ISO string in the same object")

        guard case .push(let newBranch) = try WebhookPayload(event: "push", body: try Fixtures.data("webhooks/push/with-new-branch.json")) else {
            Issue.record("push")
            return
        }
        #expect(newBranch.created == true)
        #expect(newBranch.before == PushEvent.zeroSHA)

        guard case .installation(let unsuspend) = try WebhookPayload(event: "installation", body: try Fixtures.data("webhooks/installation/unsuspend.json")) else {
            Issue.record("installation")
            return
        }
        #expect(unsuspend.installation.createdAt == GitHubDate(iso8601: "2021-04-29T02:32:21Z"), "offset with milliseconds")

        guard case .create(let create) = try WebhookPayload(event: "create", body: try Fixtures.data("webhooks/create/payload.json")) else {
            Issue.record("create")
            return
        }
        #expect(!create.ref.hasPrefix("refs/"), "create carries the short ref")
        #expect(create.refType == "tag")

        guard case .pullRequest(let review) = try WebhookPayload(event: "pull_request", body: try Fixtures.data("webhooks/pull_request/review_requested.json")) else {
            Issue.record("pull_request")
            return
        }
        #expect(review.number == review.pullRequest.number)
        #expect(review.requestedReviewer != nil)
    }

    @Test("Mutations on FakeGitHub emit signed webhooks that verify and decode")
    func fakeEmitsSignedWebhooks() async throws {
        let receiver = try await FakeWebhookReceiver.start()
        do {
            let options = FakeGitHubOptions(webhookURL: receiver.url, webhookSecret: "fake-secret")
            try await withFakeGitHub(options: options) { server in
                let client = TestData.client(server)
                let issue = try await client.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "From the desk", assignees: ["bob"]))
                _ = try await client.updateIssue(owner: "acme", repo: "widgets", number: issue.number, UpdateIssue(state: "closed"))
                let received = await receiver.waitFor(count: 2)
                #expect(received.count == 2)
                let verifier = WebhookVerifier(secrets: ["fake-secret"])
                var actions: [String] = []
                for item in received {
                    let delivery = try WebhookDelivery(headers: item.headers, body: item.body)
                    try delivery.verify(with: verifier)
                    guard case .issues(let event) = try delivery.payload() else {
                        Issue.record("expected issues events")
                        continue
                    }
                    #expect(event.issue.number == issue.number)
                    #expect(event.repository.fullName == "acme/widgets")
                    actions.append(event.action)
                }
                #expect(actions.sorted() == ["closed", "opened"], "GitHub does not promise order either")
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    @Test("A new repository hook gets a ping signed with its own secret; a push reaches it with the new head")
    func hookPingAndPush() async throws {
        let receiver = try await FakeWebhookReceiver.start()
        do {
            try await withFakeGitHub { server in
                let client = TestData.client(server)
                let hook = try await client.createHook(owner: "acme", repo: "widgets", url: receiver.url, secret: "hook-secret", events: ["push"])
                await server.commitFiles("acme/widgets", changes: ["templates/a.json": "{}"], message: "Add a")
                let received = await receiver.waitFor(count: 2)
                #expect(received.count == 2)
                let verifier = WebhookVerifier(secrets: ["hook-secret"])
                var events: [String: WebhookPayload] = [:]
                for item in received {
                    let delivery = try WebhookDelivery(headers: item.headers, body: item.body)
                    try delivery.verify(with: verifier)
                    events[delivery.event] = try delivery.payload()
                }
                guard case .ping(let ping)? = events["ping"], case .push(let push)? = events["push"] else {
                    Issue.record("expected ping and push, got \(events.keys.sorted())")
                    return
                }
                #expect(ping.hookID == hook.id)
                #expect(push.branch == "main")
                let head = await server.state.repository("acme/widgets")?.branches.first { $0.name == "main" }?.sha
                #expect(push.after == head)
                #expect(push.headCommit?.added == ["templates/a.json"])
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }
}
