import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import TestSupport

/// The real `github-sidecar serve` binary over a site of its own, in a bench of its own (so no
/// other sidecar process touches it), mirroring FakeGitHub and receiving signed webhooks: where
/// the data-integrity tests (issue 11) drive syncs, deliveries and renames against each other.
actor IntegrityHarness {
    static let shared = IntegrityHarness()
    static let token = "integrity-token"

    struct Running: Sendable {
        let site: Site
        let made: TestSite.Made
        let fake: FakeGitHubServer
        let sidecar: SidecarProcess
        /// The binary as webhooks reach it (direct, with `X-Frappe-Site-Name`).
        var webhooks: WebhookHarness.Running {
            WebhookHarness.Running(baseURL: "http://127.0.0.1:\(sidecar.port)", site: site, siteName: made.result.config.site,
                                   workers: nil, adminToken: "\(made.result.apiKey):\(made.result.apiSecret)")
        }
    }

    private let once = StartOnce<Running>()

    func start() async throws -> Running { try await once.value { try await Self.make() } }

    private static func make() async throws -> Running {
        let made = try await TestSite.dedicated("integrity", ownBench: true)
        let seed = FakeSeedGenerator(organization: "acme", repositories: 12, issues: 120, pullRequests: 20, branches: 4,
                                     collaborators: 3, seed: 11, tokens: [token]).generate()
        let fake = try await FakeGitHubServer.start(seed: seed)
        _ = try await Install.run(site: made.site, user: "Administrator")
        let base = fake.baseURL
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["enabled": .int(1), "personal_access_token": .string(token), "api_base_url": .string(base),
                                                "webhook_secret": .string(WebhookHarness.secret)])
            for repo in seed.repositories {
                try w.insert(Document("Repository", ["full_name": .string(repo.fullName), "repo_owner": .string(repo.owner),
                                                     "repo_name": .string(repo.name)]))
            }
        }
        return Running(site: made.site, made: made, fake: fake, sidecar: try await SidecarProcess.started(bench: made.bench))
    }
}

extension IntegrityHarness.Running {
    /// The fake's `index`-th repository: each test takes its own.
    func repo(_ index: Int) async throws -> String {
        let names = await fake.state.repositoryNames()
        guard names.count > index else { throw TestSetupError("the fake has no repository \(index)") }
        return names[index]
    }

    /// An RPC on the binary; the reply's status and JSON body.
    func call(_ method: String, _ args: [String: String]) async throws -> (status: Int, body: Frappe.JSONValue) {
        let reply = try await sidecar.call(method, site: made.result, args: args)
        return (reply.status, (try? Frappe.JSONValue.decode(reply.body)) ?? .null)
    }

    /// `github_api.sync_repo` on the binary; throws unless it answered 200.
    @discardableResult
    func sync(_ repo: String) async throws -> Frappe.JSONValue {
        let (status, body) = try await call("github_api.sync_repo", ["repository": repo])
        guard status == 200, let message = body["message"] else { throw TestSetupError("sync_repo \(repo) answered \(status): \(body)") }
        return try await SyncRunFollow.result(of: message, site: site)
    }

    /// Posts a signed delivery to the binary and waits until a worker has finished it.
    func deliver(_ event: String, _ payload: RecordedPayload, delivery: String = UUID().uuidString) async throws -> Document {
        let reply = try await GitHubPost.signed(webhooks, event: event, delivery: delivery, body: payload.data)
        guard reply.status == 202 else { throw TestSetupError("\(event) answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))") }
        return try await webhooks.processed(delivery, timeout: .seconds(60))
    }

    /// Posts a signed delivery without waiting for it.
    func post(_ event: String, _ payload: RecordedPayload, delivery: String = UUID().uuidString) async throws -> String {
        let reply = try await GitHubPost.signed(webhooks, event: event, delivery: delivery, body: payload.data)
        guard reply.status == 202 else { throw TestSetupError("\(event) answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))") }
        return delivery
    }

    func status(of delivery: String) async throws -> String? {
        try await site.read { try $0.get("GitHub Webhook Delivery", delivery)?["status"].string }
    }

    /// A root connection to this site's database, for what a test must do beside the sidecar
    /// (hold a row lock, look at InnoDB's transactions, lock the site's account).
    func rootConnection() throws -> Connection {
        try Connection(configuration: TestServer.rootConfiguration(database: made.result.config.dbName))
    }

    /// Statements of the site's database user in progress right now whose text is `like` this
    /// (a locking read that is in progress while the test holds the row it reads is waiting for it).
    func runningStatements(_ root: Connection, like pattern: String) throws -> Int {
        try root.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND = 'Execute' AND INFO LIKE ?",
                       [.string(made.result.config.dbName), .string(pattern)]).first?["n"].int ?? 0
    }
}

extension RecordedPayload {
    /// An `issues` payload for issue `number` of `repo`, as GitHub sends it at `updatedAt`.
    static func issue(_ action: String = "edited", repo: String, repositoryID: Int64, number: Int, title: String,
                      updatedAt: Date, body: String = "") throws -> RecordedPayload {
        var payload = try RecordedPayload("issues/\(action).json")
        payload.moveRepository(id: repositoryID, fullName: repo)
        payload.set(["issue", "number"], number)
        payload.set(["issue", "id"], Int64(number) * 1_000 + repositoryID % 1_000)
        payload.set(["issue", "title"], title)
        payload.set(["issue", "body"], body)
        payload.set(["issue", "state"], "open")
        payload.set(["issue", "updated_at"], GitHubDate(updatedAt).iso8601)
        return payload
    }
}
