import FakeGitHub
import Foundation
import GitHub
import Testing

/// FakeGitHub as a GitHub App sees it: JWT-only `/app` routes, installation tokens limited to the
/// installation's repositories, `/user/installations`, git data with history, and the signed
/// deliveries a push or an installation change sends the App.
@Suite("FakeGitHub as a GitHub App")
struct FakeGitHubAppTests {
    static let appID: Int64 = 5151
    static let secret = "app-webhook-secret"

    static func seed(webhookURL: String? = nil) -> FakeSeed {
        var seed = TestData.seed()
        var files: [String: String] = ["README.md": "# templates"]
        for index in 1...5 {
            files["templates/email/t\(index).json"] = #"{"doctype": "Email Template", "name": "T\#(index)", "subject": "S\#(index)"}"#
        }
        seed.repositories[0].files = files
        var other = seed.repositories[0]
        other.id = 999_001
        other.owner = "outsider"
        other.name = "secret"
        other.files = ["a.json": "{}"]
        other.branches = [FakeBranch(name: "main", sha: String(repeating: "a", count: 40), committedDate: Date(timeIntervalSince1970: 1_700_000_000))]
        other.issues = []
        seed.repositories.append(other)
        seed.apps = [FakeApp(id: appID, clientID: "Iv1.templates", slug: "erp-templates",
                             publicKeyPEM: TestKeys.privateKey.publicKey.pemRepresentation,
                             installations: [FakeInstallation(id: 88, account: "acme", members: ["alice"])],
                             webhookURL: webhookURL, webhookSecret: webhookURL == nil ? nil : secret)]
        return seed
    }

    static func app(_ server: FakeGitHubServer) -> GitHubClient {
        GitHubClient(configuration: TestData.configuration(server),
                     auth: .app(GitHubAppCredentials(issuer: String(appID), appID: appID, privateKey: TestKeys.privateKey)))
    }

    @Test("/app and /app/installations answer the App's JWT and refuse a token")
    func appRoutesNeedJWT() async throws {
        try await withFakeGitHub(seed: Self.seed()) { server in
            let app = Self.app(server)
            let me = try await app.app()
            #expect(me.id == Self.appID && me.slug == "erp-templates")
            let installations = try await app.appInstallations()
            #expect(installations.map(\.id) == [88])
            #expect(installations.first?.account?.login == "acme")

            let user = TestData.client(server)
            await #expect(throws: GitHubError.self) { _ = try await user.get(GitHubApp.self, "/app") }
            let refused = await server.state.requestLog().last
            #expect(refused?.status == 401)
        }
    }

    @Test("An installation token reads only the installation's repositories")
    func installationTokenScope() async throws {
        try await withFakeGitHub(seed: Self.seed()) { server in
            let installation = try Self.app(server).installation(88)
            let visible = try await installation.installationRepositories()
            #expect(visible.repositories.map { $0.fullName } == ["acme/widgets"])
            #expect(visible.repositorySelection == "all")
            _ = try await installation.tree(owner: "acme", repo: "widgets", sha: "main")
            await #expect(throws: GitHubError.self) { _ = try await installation.tree(owner: "outsider", repo: "secret", sha: "main") }
        }
    }

    @Test("/user/installations lists what the user may access, and only that")
    func userInstallations() async throws {
        try await withFakeGitHub(seed: Self.seed()) { server in
            let alice = try await TestData.client(server, token: TestData.token).userInstallations()
            #expect(alice.installations.map(\.id) == [88])
            let bob = try await TestData.client(server, token: TestData.otherToken).userInstallations()
            #expect(bob.totalCount == 0 && bob.installations.isEmpty)
        }
    }

    @Test("A push changing 3 files and deleting 1 moves the head; the old commit stays readable; compare names the changes")
    func pushAndHistory() async throws {
        try await withFakeGitHub(seed: Self.seed()) { server in
            let github = try Self.app(server).installation(88)
            let before = try await github.branchHead(owner: "acme", repo: "widgets", branch: "main")
            let oldTree = try await github.tree(owner: "acme", repo: "widgets", sha: before.object.sha)
            let oldBlobs = Dictionary(uniqueKeysWithValues: oldTree.tree.filter { $0.type == "blob" }.map { ($0.path, $0.sha) })
            #expect(oldBlobs.count == 6)

            let pushed = try #require(await server.push("acme/widgets", changes: [
                "templates/email/t1.json": #"{"doctype": "Email Template", "name": "T1", "subject": "changed"}"#,
                "templates/email/t2.json": #"{"doctype": "Email Template", "name": "T2", "subject": "changed"}"#,
                "templates/email/t6.json": #"{"doctype": "Email Template", "name": "T6", "subject": "new"}"#,
                "templates/email/t5.json": nil,
            ]))
            #expect(pushed.modified == ["templates/email/t1.json", "templates/email/t2.json"])
            #expect(pushed.added == ["templates/email/t6.json"] && pushed.removed == ["templates/email/t5.json"])

            let after = try await github.branchHead(owner: "acme", repo: "widgets", branch: "main")
            #expect(after.object.sha == pushed.after && after.object.sha != before.object.sha)
            let commit = try await github.gitCommit(owner: "acme", repo: "widgets", sha: pushed.after)
            #expect(commit.parents.map(\.sha) == [before.object.sha] && commit.tree.sha == pushed.tree)
            let rest = try await github.commit(owner: "acme", repo: "widgets", ref: "main")
            #expect(rest.sha == pushed.after && rest.commit?.tree?.sha == pushed.tree)

            let newTree = try await github.tree(owner: "acme", repo: "widgets", sha: pushed.after)
            let newBlobs = Dictionary(uniqueKeysWithValues: newTree.tree.filter { $0.type == "blob" }.map { ($0.path, $0.sha) })
            #expect(newBlobs["templates/email/t5.json"] == nil)
            #expect(newBlobs["templates/email/t3.json"] == oldBlobs["templates/email/t3.json"], "unchanged files keep their blob")
            #expect(newBlobs["templates/email/t1.json"] != oldBlobs["templates/email/t1.json"])
            let changed = try await github.blob(owner: "acme", repo: "widgets", sha: try #require(newBlobs["templates/email/t1.json"]))
            #expect(String(decoding: try changed.decodedContent(), as: UTF8.self).contains("changed"))

            // History: the old commit's tree and a deleted file's blob are still there.
            let again = try await github.tree(owner: "acme", repo: "widgets", sha: before.object.sha)
            #expect(again.sha == oldTree.sha)
            let gone = try await github.blob(owner: "acme", repo: "widgets", sha: try #require(oldBlobs["templates/email/t5.json"]))
            #expect(String(decoding: try gone.decodedContent(), as: UTF8.self).contains("T5"))

            let comparison = try await github.compare(owner: "acme", repo: "widgets", base: before.object.sha, head: pushed.after)
            #expect(comparison.status == "ahead" && comparison.aheadBy == 1 && comparison.totalCommits == 1)
            let statuses = Dictionary(uniqueKeysWithValues: (comparison.files ?? []).map { ($0.filename, $0.status) })
            #expect(statuses == ["templates/email/t1.json": "modified", "templates/email/t2.json": "modified",
                                 "templates/email/t6.json": "added", "templates/email/t5.json": "removed"])
            let backwards = try await github.compare(owner: "acme", repo: "widgets", base: pushed.after, head: before.object.sha)
            #expect(backwards.status == "behind")

            let file = try await github.contents(owner: "acme", repo: "widgets", path: "templates/email/t2.json")
            #expect(file.count == 1 && file[0].type == "file")
            let decoded = Data(base64Encoded: (file[0].content ?? "").filter { !$0.isWhitespace })
            #expect(decoded.map { String(decoding: $0, as: UTF8.self).contains("changed") } == true)
            let directory = try await github.contents(owner: "acme", repo: "widgets", path: "templates/email", ref: before.object.sha)
            #expect(directory.map(\.path).contains("templates/email/t5.json"), "contents at an earlier ref")
            let root = try await github.contents(owner: "acme", repo: "widgets", path: "")
            #expect(Set(root.map(\.path)) == ["README.md", "templates"])
        }
    }

    @Test("The web flow: a code is exchanged once for a user token that sees the user's installations; the web host is derived from the API URL")
    func webFlow() async throws {
        #expect(GitHubClient.webURL(forAPI: "https://api.github.com") == "https://github.com")
        #expect(GitHubClient.webURL(forAPI: "https://ghe.example.com/api/v3/") == "https://ghe.example.com")
        #expect(GitHubClient.webURL(forAPI: "http://127.0.0.1:4000") == "http://127.0.0.1:4000")
        var seed = Self.seed()
        seed.apps[0].clientSecret = "shh"
        try await withFakeGitHub(seed: seed) { server in
            let app = Self.app(server)
            let code = await server.authorizationCode(for: "alice")
            let token = try await app.exchangeOAuthCode(webURL: server.baseURL, clientID: "Iv1.templates", clientSecret: "shh", code: code)
            #expect(token.rawValue.hasPrefix("ghu_"))
            let mine = try await app.with(auth: .token(token)).userInstallations()
            #expect(mine.installations.map(\.id) == [88])
            await #expect(throws: GitHubError.self, "a code works once") {
                _ = try await app.exchangeOAuthCode(webURL: server.baseURL, clientID: "Iv1.templates", clientSecret: "shh", code: code)
            }
            let other = await server.authorizationCode(for: "alice")
            await #expect(throws: GitHubError.self, "the client secret must match") {
                _ = try await app.exchangeOAuthCode(webURL: server.baseURL, clientID: "Iv1.templates", clientSecret: "wrong", code: other)
            }
        }
    }

    @Test("A push sends the App a signed push delivery naming the installation; install and uninstall send installation events")
    func deliveriesToTheApp() async throws {
        let receiver = try await FakeWebhookReceiver.start()
        do {
            try await withFakeGitHub(seed: Self.seed(webhookURL: receiver.url)) { server in
                let verifier = WebhookVerifier(secrets: [Self.secret])
                let pushed = try #require(await server.push("acme/widgets", changes: ["templates/email/t1.json": "{}"]))
                let first = await receiver.waitFor(count: 1)
                let push = try #require(first.first { $0.header("X-GitHub-Event") == "push" })
                #expect(verifier.isValid(body: push.body, signatureHeader: push.header("X-Hub-Signature-256")))
                guard case .push(let event) = try WebhookPayload(event: "push", body: push.body) else {
                    Issue.record("not a push payload")
                    return
                }
                #expect(event.installation?.id == 88 && event.after == pushed.after && event.ref == "refs/heads/main")
                #expect(event.headCommit?.modified == ["templates/email/t1.json"])

                let id = try #require(await server.install(appID: Self.appID, account: "outsider", sender: "outsider"))
                await server.uninstall(id, sender: "outsider")
                let all = await receiver.waitFor(count: 3)
                let lifecycle = all.filter { $0.header("X-GitHub-Event") == "installation" }
                #expect(lifecycle.count == 2)
                var actions: [String] = []
                for delivery in lifecycle {
                    #expect(verifier.isValid(body: delivery.body, signatureHeader: delivery.header("X-Hub-Signature-256")))
                    guard case .installation(let event) = try WebhookPayload(event: "installation", body: delivery.body) else { continue }
                    #expect(event.installation.id == id && event.installation.account?.login == "outsider")
                    actions.append(event.action)
                }
                #expect(actions == ["created", "deleted"])
                let created = try #require(lifecycle.first)
                guard case .installation(let createdEvent) = try WebhookPayload(event: "installation", body: created.body) else { return }
                #expect(createdEvent.repositories?.map { $0.fullName } == ["outsider/secret"])

                // Uninstalled: the installation is gone for the App, and its tokens with it.
                await #expect(throws: GitHubError.self) { _ = try await Self.app(server).appInstallation(id: id) }
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }
}
