import AsyncHTTPClient
import Foundation
import Frappe
import GitHub
import Integration
import Logging
import MariaDB
import NIOCore
import NIOFoundationCompat
import Prometheus
import Server
import TestSupport

/// The sidecar in-process on a free loopback port over a site of its own, with webhook workers
/// running, and GitHub deliveries posted over real HTTP, signed as GitHub signs them.
actor WebhookHarness {
    static let shared = WebhookHarness()
    static let secret = "wh-test-secret-\(UUID().uuidString)"

    struct Running: Sendable {
        let baseURL: String
        let site: Site
        let siteName: String
        /// In-process workers (nil when a separate sidecar process applies deliveries).
        let workers: WebhookWorkers?
        /// Administrator's API key and secret, for `Authorization: token key:secret`.
        let adminToken: String
        var siteAsHost = false
    }

    private var starting: [String: Task<Running, Error>] = [:]

    /// One running server per dedicated site name (sites whose settings a test changes get their own).
    func start(_ siteKey: String = "webhooks", secret: String? = WebhookHarness.secret) async throws -> Running {
        if let task = starting[siteKey] { return try await task.value }
        let task = Task { try await Self.make(siteKey, secret: secret) }
        starting[siteKey] = task
        return try await task.value
    }

    private static func make(_ siteKey: String, secret: String?) async throws -> Running {
        let made = try await TestSite.dedicated(siteKey)
        _ = try await Install.run(site: made.site, user: "Administrator")
        if let secret {
            try await made.site.write(user: "Administrator") { try $0.setSingle("GitHub Settings", ["webhook_secret": .string(secret)]) }
        }
        let siteName = made.result.config.site
        let sites = SiteDirectory(bench: Bench(path: made.bench), poolSize: 12)
        let server = SidecarServer(configuration: .init(host: "127.0.0.1", port: 0), sites: sites, methods: Catalogue.methods(),
                                   registry: PrometheusCollectorRegistry(), logger: Logger(label: "webhook-test"))
        let box = WebhookPortBox()
        let app = server.application { port in await box.set(port) }
        Task { try await app.run() }
        let workers = WebhookWorkers(sites: sites, doorbell: .process,
                                     configuration: .init(workersPerSite: 4, idlePoll: .milliseconds(100),
                                                          policy: .init(maxAttempts: 3, baseBackoff: 0.2)),
                                     siteNames: { [siteName] })
        Task { await workers.run() }
        let port = try await box.wait()
        return Running(baseURL: "http://127.0.0.1:\(port)", site: made.site, siteName: siteName, workers: workers,
                       adminToken: "\(made.result.apiKey):\(made.result.apiSecret)")
    }
}

actor WebhookPortBox {
    private var port: Int?
    func set(_ p: Int) { port = p }
    func wait() async throws -> Int {
        for _ in 0..<400 {
            if let port { return port }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError("server did not start")
    }
}

struct WebhookReply: Sendable {
    let status: Int
    let body: Data
    var json: Frappe.JSONValue? { try? Frappe.JSONValue.decode(body) }
}

/// Posting deliveries as GitHub does: JSON body, event and delivery headers, HMAC signature.
enum GitHubPost {
    static func send(to baseURL: String, site: String, event: String, delivery: String, body: Data,
                     signature: String?, path: String = WebhookSubscription.receiverPath, extraHeaders: [(String, String)] = [],
                     siteAsHost: Bool = false) async throws -> WebhookReply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "GitHub-Hookshot/test")
        request.headers.add(name: "X-GitHub-Event", value: event)
        request.headers.add(name: "X-GitHub-Delivery", value: delivery)
        // Through nginx the site is the Host, as on a DNS-multitenant bench; directly, the header.
        request.headers.add(name: siteAsHost ? "Host" : "X-Frappe-Site-Name", value: site)
        if let signature { request.headers.add(name: "X-Hub-Signature-256", value: signature) }
        for (k, v) in extraHeaders { request.headers.add(name: k, value: v) }
        request.body = .bytes(ByteBuffer(data: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 8 * 1024 * 1024)
        return WebhookReply(status: Int(response.status.code), body: Data(buffer: bytes))
    }

    static func signed(_ h: WebhookHarness.Running, event: String, delivery: String = UUID().uuidString, body: Data,
                       secret: String = WebhookHarness.secret) async throws -> WebhookReply {
        try await send(to: h.baseURL, site: h.siteName, event: event, delivery: delivery, body: body,
                       signature: WebhookVerifier.signature(for: body, secret: secret), siteAsHost: h.siteAsHost)
    }
}

/// Recorded payloads from `../shared/fixtures/github/webhooks`, moved onto a repository of the
/// test's own (id and full name), so tests sharing the site never touch each other's rows.
struct RecordedPayload {
    var object: [String: Any]

    init(_ relative: String) throws {
        let data = try Data(contentsOf: Paths.sharedFixture("github/webhooks/\(relative)"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TestSetupError("\(relative) is not an object") }
        self.object = object
    }

    mutating func moveRepository(id: Int64, fullName: String) {
        guard var repo = object["repository"] as? [String: Any] else { return }
        repo["id"] = id
        repo["full_name"] = fullName
        repo["name"] = String(fullName.split(separator: "/").last ?? "")
        object["repository"] = repo
    }

    mutating func set(_ path: [String], _ value: Any) {
        object = Self.setting(object, path[...], value)
    }

    private static func setting(_ object: [String: Any], _ path: ArraySlice<String>, _ value: Any) -> [String: Any] {
        guard let key = path.first else { return object }
        var copy = object
        if path.count == 1 { copy[key] = value } else {
            copy[key] = setting(object[key] as? [String: Any] ?? [:], path.dropFirst(), value)
        }
        return copy
    }

    var data: Data { (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data() }
}

/// A tracked repository of the test's own.
struct TestRepository: Sendable {
    let id: Int64
    let fullName: String

    static func make(owner: String = "Codertocat") -> TestRepository {
        TestRepository(id: Int64.random(in: 1_000_000_000...9_000_000_000), fullName: "\(owner)/\(TestSite.unique("hw"))")
    }

    func track(on site: Site) async throws {
        let (id, fullName) = (self.id, self.fullName)
        try await site.write(user: "Administrator") { w in
            try w.insert(Document("Repository", ["full_name": .string(fullName), "github_id": .string(String(id)),
                                                 "repo_owner": .string(String(fullName.split(separator: "/")[0]))]))
        }
    }

    func issue(_ n: Int) -> String { "\(fullName)-#\(n)" }
}

extension WebhookHarness.Running {
    /// Waits until a worker has finished the delivery (Applied, Skipped or Failed).
    func processed(_ delivery: String, timeout: Duration = .seconds(120)) async throws -> Document {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let doc = try await site.read({ try $0.get("GitHub Webhook Delivery", delivery) }), doc["status"].string != "Queued" {
                return doc
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSetupError("delivery \(delivery) was not processed within \(timeout)")
    }

    /// Posts a signed delivery and waits for it to be processed.
    func deliver(_ event: String, _ payload: RecordedPayload, delivery: String = UUID().uuidString) async throws -> (WebhookReply, Document) {
        let reply = try await GitHubPost.signed(self, event: event, delivery: delivery, body: payload.data)
        guard reply.status == 202 else { throw TestSetupError("\(event) answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))") }
        return (reply, try await processed(delivery))
    }

    func get(_ doctype: String, _ name: String) async throws -> Document? {
        try await site.read { try $0.get(doctype, name) }
    }
}
