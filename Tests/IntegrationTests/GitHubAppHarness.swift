import AsyncHTTPClient
import FakeGitHub
import Foundation
import Frappe
import GitHub
@testable import Integration
import Logging
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import Prometheus
import Server
import TestSupport
import _CryptoExtras

/// The GitHub App end to end, in-process but over real HTTP on loopback: FakeGitHub plays the App's
/// GitHub (JWT, installation tokens, git data, signed deliveries to `/github/webhooks`), the
/// sidecar's server answers RPC and the `/github/*` routes, the App's workers apply deliveries,
/// the landlord is a real database made by `LandlordSetup`, and the site is a dev site of its own.
struct GitHubAppHarness: Sendable {
    static let appID: Int64 = 7300
    static let webhookSecret = "app-secret-\(UUID().uuidString.prefix(8))"
    static let stateSecret = "state-secret-\(UUID().uuidString.prefix(8))"
    static let clientSecret = "client-secret-\(UUID().uuidString.prefix(8))"
    static let repository = "acme/erp-templates"
    /// An installation made long before any connect link (someone else's, as far as a site can tell).
    static let preexistingInstallation: Int64 = 4242

    let baseURL: String
    let site: Site
    let siteName: String
    let adminToken: String
    let fake: FakeGitHubServer
    let service: GitHubAppService
    let workers: GitHubAppWorkers
    let environment: GitHubAppEnvironment

    static func file(_ index: Int) -> String { String(format: "templates/email/t%03d.json", index) }
    static func template(_ index: Int, subject: String? = nil) -> String {
        #"{"doctype": "Email Template", "name": "GHT \#(index)", "subject": "\#(subject ?? "Subject \(index)")", "response": "<p>Hello \#(index)</p>"}"#
    }

    /// - Parameters:
    ///   - files: how many template files the repository starts with.
    static func start(siteKey: String, files: Int, manualSyncInterval: TimeInterval = 300) async throws -> GitHubAppHarness {
        let made = try await TestSite.dedicated(siteKey, ownBench: true)
        _ = try await Install.run(site: made.site, user: "Administrator")
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            throw TestSetupError("SIDECAR_TEST_MARIADB_SOCKET is not set: run the tests with scripts/services.sh")
        }
        let landlord = try await LandlordSetup.create(rootUser: "root", rootPassword: "", endpoint: .socket(socket))
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let serverPort = try EndToEnd.freePort()
        let fakePort = try EndToEnd.freePort()

        var contents: [String: String] = ["README.md": "# ERP templates\n"]
        for index in 1...files { contents[file(index)] = template(index) }
        let repo = FakeRepository(id: 880_000, owner: "acme", name: "erp-templates", private: true, defaultBranch: "main",
                                  createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                                  branches: [FakeBranch(name: "main", sha: String(repeating: "1", count: 40), committedDate: Date(timeIntervalSince1970: 1_700_000_000))],
                                  files: contents)
        var other = repo
        other.id = 880_001
        other.name = "other"
        other.branches = [FakeBranch(name: "main", sha: String(repeating: "2", count: 40), committedDate: Date(timeIntervalSince1970: 1_700_000_000))]
        other.files = ["x.json": "{}"]
        let seed = FakeSeed(users: [FakeUser(id: 11, login: "alice")], organizations: [FakeOrganization(id: 10, login: "acme")],
                            repositories: [repo, other], tokens: [],
                            apps: [FakeApp(id: appID, clientID: "Iv1.erptemplates", slug: "erp-templates", publicKeyPEM: key.publicKey.pemRepresentation,
                                           installations: [FakeInstallation(id: preexistingInstallation, account: "acme", members: ["alice"],
                                                                            createdAt: Date(timeIntervalSince1970: 1_700_000_000))],
                                           webhookURL: "http://127.0.0.1:\(serverPort)/github/webhooks", webhookSecret: webhookSecret,
                                           clientSecret: clientSecret)])
        let fake = try await FakeGitHubServer.start(seed: seed, options: FakeGitHubOptions(acceptUnknownTokens: false), port: fakePort)

        let environment = GitHubAppEnvironment(
            appID: appID, clientID: "Iv1.erptemplates", clientSecret: clientSecret, privateKeyPEM: key.pemRepresentation, webhookSecret: webhookSecret,
            appURL: "https://github.com/apps/erp-templates/installations/new", apiURL: fake.baseURL, landlord: landlord, stateSecret: stateSecret)
        let sites = SiteDirectory(bench: Bench(path: made.bench), poolSize: 8)
        let service = try GitHubAppService(environment: environment, sites: sites, manualSyncInterval: manualSyncInterval)
        _ = try await service.landlord()
        let server = SidecarServer(configuration: .init(host: "127.0.0.1", port: serverPort), sites: sites,
                                   methods: Catalogue.methods(IntegrationContext(app: service)), registry: PrometheusCollectorRegistry(),
                                   githubApp: service, logger: Logger(label: "app-test"))
        let box = WebhookPortBox()
        let app = server.application { port in await box.set(port) }
        Task { try await app.run() }
        let workers = GitHubAppWorkers(service: service, workers: 2, idlePoll: .milliseconds(50), headCheck: .seconds(3600))
        Task { await workers.run() }
        let port = try await box.wait()
        return GitHubAppHarness(baseURL: "http://127.0.0.1:\(port)", site: made.site, siteName: made.result.config.site,
                                adminToken: "\(made.result.apiKey):\(made.result.apiSecret)", fake: fake, service: service,
                                workers: workers, environment: environment)
    }

    func stop() async {
        workers.stop()
        await fake.stop()
    }

    // MARK: HTTP

    typealias Reply = GitHubAppHarnessHTTP.Reply

    var http: GitHubAppHarnessHTTP { GitHubAppHarnessHTTP(baseURL: baseURL, siteName: siteName, adminToken: adminToken) }

    func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = []) async throws -> Reply {
        try await http.request(method, path, body: body, headers: headers)
    }

    func rpc(_ fn: String, _ args: [String: String] = [:], method: HTTPMethod = .POST) async throws -> Reply {
        try await http.rpc(fn, args, method: method)
    }

    func callback(_ query: String) async throws -> Reply { try await request(.GET, "/github/callback?" + query) }

    /// A state sealed with the sidecar's key (for refusals the desk cannot produce).
    func craftedState(site: String, expiresIn: TimeInterval) throws -> String {
        var state = ConnectState.make(site: site, user: "Administrator")
        state.expiresAt = Date().addingTimeInterval(expiresIn)
        return try state.seal(key: environment.stateKey)
    }

    static func stateParameter(of url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    // MARK: Waiting (for the condition itself, with a generous deadline)

    func eventually<T: Sendable>(_ what: String, timeout: Duration = .seconds(120), _ probe: @Sendable () async throws -> T?) async throws -> T {
        var found: T?
        try await waitUntil(what, deadline: timeout) {
            found = try await probe()
            return found != nil
        }
        guard let found else { throw TestSetupError("timed out waiting for \(what)") }
        return found
    }

    /// Synced documents of the repository: name → (modified, source).
    func synced() async throws -> [String: (modified: String, source: String?)] {
        try await site.read { r in
            var out: [String: (modified: String, source: String?)] = [:]
            for row in try r.list("Email Template", fields: ["name", "modified", "github_sync_source"]) {
                guard let name = row["name"].string, name.hasPrefix("GHT ") else { continue }
                out[name] = (row["modified"].text ?? "", row["github_sync_source"].string)
            }
            return out
        }
    }

    func landlordRecord() async throws -> AppInstallationRecord? {
        try await service.landlord().installation(site: siteName)
    }
}

/// Requests to the sidecar as a site's Administrator (API key), and to its `/github/*` routes.
struct GitHubAppHarnessHTTP: Sendable {
    let baseURL: String
    let siteName: String
    let adminToken: String

    struct Reply: Sendable {
        let status: Int
        let body: String
        let headers: [(String, String)]
        var json: Frappe.JSONValue? { try? Frappe.JSONValue.decode(Data(body.utf8)) }
        var message: Frappe.JSONValue? { json?["message"] }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        /// The first `_server_messages` text of a Frappe error body.
        var errorMessage: String {
            guard let text = json?["_server_messages"]?.string, let list = try? Frappe.JSONValue.decode(Data(text.utf8)).array,
                  let first = list.first?.string, let inner = try? Frappe.JSONValue.decode(Data(first.utf8)) else { return body }
            return inner["message"]?.string ?? body
        }
    }

    /// A client that does not follow redirects, so the callback's 302 is seen as GitHub's browser sees it.
    static let http = HTTPClient(eventLoopGroupProvider: .singleton,
                                 configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "X-Frappe-Site-Name", value: siteName)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await Self.http.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), body: String(buffer: bytes), headers: response.headers.map { ($0.name, $0.value) })
    }

    /// `erpnext_github_integration.github_app.<fn>` as Administrator (API key).
    func rpc(_ fn: String, _ args: [String: String] = [:], method: HTTPMethod = .POST) async throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: args)
        return try await request(method, "/api/method/erpnext_github_integration.github_app.\(fn)", body: method == .GET ? nil : body,
                                 headers: [("Authorization", "token \(adminToken)")])
    }

}
