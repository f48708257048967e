import AsyncHTTPClient
import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import Logging
import NIOCore
import NIOFoundationCompat
import Prometheus
import Server
import TestSupport

/// A site and bench of their own, FakeGitHub with a few repositories, and the sidecar in-process
/// with its job runner polling the bench (as `serve` does) and `sync_repo` waiting `syncWait`.
actor JobHarness {
    static let shared = JobHarness()
    static let token = "jobs-token"
    static let login = "jobs-bot"

    struct Running: Sendable {
        let baseURL: String
        /// The same site served with a bound far above any sync here: the answer is always the summary.
        let patientURL: String
        let site: Site
        let made: TestSite.Made
        let fake: FakeGitHubServer
        let repositories: [String]
        let runner: JobRunner
    }

    private let once = StartOnce<Running>()

    func start() async throws -> Running { try await once.value { try await Self.make() } }

    private static func make() async throws -> Running {
        let made = try await TestSite.dedicated("jobs", ownBench: true)
        _ = try await Install.run(site: made.site, user: "Administrator")
        let seed = FakeSeedGenerator(organization: "jobs", repositories: 6, issues: 150, pullRequests: 30, branches: 4, collaborators: 3,
                                     seed: 11, tokens: [token]).generate()
        let fake = try await FakeGitHubServer.start(seed: seed)
        await fake.state.addToken(token, login: login)
        let repositories = await fake.state.repositoryNames()
        let base = fake.baseURL
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["personal_access_token": .string(token), "api_base_url": .string(base), "enabled": .int(1)])
            for name in repositories {
                try w.insert(Document("Repository", ["full_name": .string(name), "enabled": .int(1)]))
            }
        }
        let context = IntegrationContext(syncWait: .milliseconds(500))
        let sites = SiteDirectory(bench: Bench(path: made.bench), poolSize: 10)
        let server = SidecarServer(configuration: .init(host: "127.0.0.1", port: 0), sites: sites, methods: Catalogue.methods(context),
                                   registry: PrometheusCollectorRegistry(), logger: Logger(label: "jobs-test"))
        let ports = WebhookPortBox()
        let app = server.application { port in await ports.set(port) }
        Task { try await app.run() }
        Task { await context.jobs.poll(sites, interval: .milliseconds(200), recoverEvery: 5) }
        let port = try await ports.wait()
        let patient = SidecarServer(configuration: .init(host: "127.0.0.1", port: 0), sites: sites,
                                    methods: Catalogue.methods(IntegrationContext(syncWait: .seconds(300))),
                                    registry: PrometheusCollectorRegistry(), logger: Logger(label: "jobs-test"))
        let patientPorts = WebhookPortBox()
        let patientApp = patient.application { port in await patientPorts.set(port) }
        Task { try await patientApp.run() }
        let patientPort = try await patientPorts.wait()
        return Running(baseURL: "http://127.0.0.1:\(port)", patientURL: "http://127.0.0.1:\(patientPort)", site: made.site, made: made, fake: fake, repositories: repositories,
                       runner: context.jobs)
    }
}

extension JobHarness.Running {
    struct Reply: Sendable {
        let status: Int
        let json: JSONValue
        var message: JSONValue? { json["message"] }
    }

    /// An RPC as Administrator with a JSON body (to the patient server with `patient`).
    func call(_ method: String, _ args: [String: String] = [:], patient: Bool = false) async throws -> Reply {
        var request = HTTPClientRequest(url: "\(patient ? patientURL : baseURL)/api/method/erpnext_github_integration.\(method)")
        request.method = .POST
        request.headers.add(name: "X-Frappe-Site-Name", value: made.result.config.site)
        request.headers.add(name: "Authorization", value: "token \(made.result.apiKey):\(made.result.apiSecret)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(args)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let body = Data(buffer: try await response.body.collect(upTo: 1 << 22))
        return Reply(status: Int(response.status.code), json: (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null)
    }

    func run(_ name: String) async throws -> Document? {
        try await site.read { try $0.get("GitHub Sync Run", name) }
    }

    func status(_ name: String) async throws -> String? { try await run(name)?["status"].string }

    func runs(of repository: String) async throws -> [Document] {
        try await site.read { r in
            try r.list("GitHub Sync Run", where: ["repository": .equals(.string(repository))], fields: ["name", "status", "trigger", "attempts", "error"])
        }
    }

    /// True when the site holds exactly FakeGitHub's issues and pull requests of `repository`.
    func mirrorIsExact(_ repository: String) async throws -> Bool {
        guard let fakeRepo = await fake.state.repository(repository) else { return false }
        let issues = Set(fakeRepo.issues.filter { $0.pull == nil }.map(\.number))
        let pulls = Set(fakeRepo.issues.filter { $0.pull != nil }.map(\.number))
        return try await site.read { r in
            let stored = try r.list("Repository Issue", where: ["repository": .equals(.string(repository))], fields: ["issue_number"]).compactMap { $0["issue_number"].int }
            let storedPulls = try r.list("Repository Pull Request", where: ["repository": .equals(.string(repository))], fields: ["pr_number"]).compactMap { $0["pr_number"].int }
            return Set(stored) == issues && stored.count == issues.count && Set(storedPulls) == pulls && storedPulls.count == pulls.count
        }
    }
}
