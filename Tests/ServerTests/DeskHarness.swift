import FakeGitHub
import Foundation
import Frappe
import GitHub
import Hummingbird
import Integration
import Logging
import Prometheus
import Server
import TestSupport
import Testing

/// The suites that share ``DeskHarness`` run one after another: they read FakeGitHub's request
/// log to see what reached GitHub, which a concurrent suite's calls would muddle.
@Suite("Desk harness", .serialized)
struct DeskSuites {}

/// A site of its own with the FakeGitHub repository `acme/platform` mirrored, users of every kind
/// the permission rules name, and the sidecar's server in-process on a loopback port. GitHub's
/// timeouts are shortened (a lost answer is given up after 2 s, not 30 s); the rules are GitHub's.
actor DeskHarness {
    static let shared = DeskHarness()

    struct Running: Sendable {
        let baseURL: String
        let site: Site
        let siteName: String
        let users: [String: (key: String, secret: String)]
        let fake: FakeGitHubServer
        let repository: String
        let project: String
    }

    /// Users by what they are; `mapped@` is linked to the GitHub login `acme-dev1`.
    static let people: [(user: String, roles: [String])] = [
        ("plain@desk.example", []), ("ghadmin@desk.example", ["GitHub Admin"]), ("sysman@desk.example", ["System Manager"]),
        ("linked@desk.example", ["Projects User"]), ("unlinked@desk.example", ["Projects User"]), ("mapped@desk.example", ["Projects User"]),
    ]

    private let once = StartOnce<Running>()

    func start() async throws -> Running { try await once.value { try await Self.make() } }

    private static func make() async throws -> Running {
        let made = try await TestSite.dedicated("desk", ownBench: true)
        let site = made.site
        _ = try await Install.run(site: site, user: "Administrator")
        let fake = try await FakeGitHubServer.start(seed: FakeSeedGenerator(repositories: 1, issues: 6, pullRequests: 2, branches: 3).generate(),
                                                    options: FakeGitHubOptions(acceptUnknownTokens: true))
        let fakeURL = fake.baseURL
        try await site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["enabled": .int(1), "api_base_url": .string(fakeURL), "personal_access_token": "desk-tests-token"])
        }
        var users: [String: (key: String, secret: String)] = ["Administrator": (made.result.apiKey, made.result.apiSecret)]
        for (user, roles) in people {
            let key = TestSite.unique("k"), secret = TestSite.unique("s")
            users[user] = (key, secret)
            try await site.write(user: "Administrator") { w in
                try w.insert(Document("User", name: user, [
                    "email": .string(user), "first_name": .string(String(user.split(separator: "@")[0]).capitalized),
                    "enabled": .int(1), "user_type": "System User", "api_key": .string(key), "api_secret": .string(secret),
                    "github_username": user.hasPrefix("mapped") ? "acme-dev1" : .null,
                ], children: ["roles": roles.map { Document("Has Role", ["role": .string($0)]) }]))
            }
        }
        let context = IntegrationContext(github: GitHubConnections { configuration in
            configuration.requestTimeout = .seconds(2)
            configuration.unknownOutcomeSettleTime = .seconds(1)
            configuration.mutationSpacing = .milliseconds(50)
        })
        let repository = try requireValue(await fake.state.repositoryNames().first, "a FakeGitHub repository")
        let client = try await context.github.client(for: site)
        _ = try await site.write(user: "Administrator") { w in
            try w.upsert([Document("Repository", name: repository, ["full_name": .string(repository), "enabled": .int(1)])])
        }
        _ = try await RepositorySync(site: site, client: client, repository: repository, trigger: .manual, user: "Administrator").run()
        let project = try await site.write(user: "Administrator") { w in
            // ERPNext's Project needs a Company: the site's default one.
            try w.insert(Document("Company", name: "Desk Co", ["company_name": "Desk Co", "abbr": "DC", "default_currency": "EUR",
                                                               "country": "Portugal"]))
            try w.setSingle("Global Defaults", ["default_company": "Desk Co"])
            return try w.insert(Document("Project", ["project_name": .string(TestSite.unique("Linked ")), "repository": .string(repository),
                                              "company": "Desk Co"],
                                  children: ["users": [Document("Project User", ["user": "linked@desk.example"])]])).name ?? ""
        }
        let ports = PortBox()
        let server = SidecarServer(configuration: .init(host: "127.0.0.1", port: 0), sites: SiteDirectory(bench: Bench(path: made.bench)),
                                   methods: Catalogue.methods(context), registry: PrometheusCollectorRegistry(), logger: Logger(label: "desk"))
        let app = server.application { port in await ports.set(port) }
        Task { try await app.run() }
        let port = try await ports.wait()
        return Running(baseURL: "http://127.0.0.1:\(port)", site: site, siteName: made.result.config.site, users: users, fake: fake,
                       repository: repository, project: project)
    }
}

extension DeskHarness.Running {
    /// A call as `user` (nil: Guest) with a JSON body, or a form body as the desk sends it.
    func call(_ method: String, as user: String? = "Administrator", json: [String: JSONValue]? = nil, form: [(String, String)]? = nil) async throws -> HTTPReply {
        var headers = [("X-Frappe-Site-Name", siteName)]
        if let user, let creds = users[user] { headers.append(("Authorization", "token \(creds.key):\(creds.secret)")) }
        var body = Data()
        if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Data(form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&").utf8)
        } else {
            headers.append(("Content-Type", "application/json"))
            body = try JSONEncoder().encode(JSONValue.object(json ?? [:]))
        }
        return try await HTTP.send(.POST, "\(baseURL)/api/method/erpnext_github_integration.\(method)", headers: headers, body: body)
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// What reached GitHub since `mark` (the log's length before the action), mutations only.
    func mutations(since mark: Int) async -> [FakeRequestLogEntry] {
        Array(await fake.state.requestLog().dropFirst(mark)).filter { $0.method != "GET" }
    }

    func logMark() async -> Int { await fake.state.requestLog().count }
}

/// `#require` for values outside a test body.
func requireValue<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw TestSetupError("missing \(what)") }
    return value
}

/// `"text"` for `.string("text")` in the tests' argument dictionaries.
extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
