import AsyncHTTPClient
import FakeGitHub
import Foundation
import NIOHTTP1
import Frappe
import Hummingbird
import Integration
import Logging
import NIOCore
import NIOFoundationCompat
import Prometheus
import Server
import TestSupport

/// The sidecar's server, in-process on a free loopback port, over the shared test site, with
/// users of each kind. Requests go over real HTTP.
actor ServerHarness {
    static let shared = ServerHarness()

    struct Running: Sendable {
        let baseURL: String
        let site: Site
        let siteName: String
        let secret: String
        let users: [String: (key: String, secret: String)]
        let fake: FakeGitHubServer
    }

    private let once = StartOnce<Running>()

    func start() async throws -> Running { try await once.value { try await Self.make() } }

    private static func make() async throws -> Running {
        let made = try await TestSite.shared()
        let site = made.site
        _ = try await Install.run(site: site, user: "Administrator")
        // GitHub for methods that get past their permission check: loopback only, any token.
        let fake = try await FakeGitHubServer.start(seed: FakeSeedGenerator(repositories: 1, issues: 5, pullRequests: 1).generate(),
                                                    options: FakeGitHubOptions(acceptUnknownTokens: true))
        let fakeURL = fake.baseURL
        try await site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["api_base_url": .string(fakeURL), "personal_access_token": "server-tests-token"])
        }
        var users: [String: (key: String, secret: String)] = [:]
        for (user, roles) in [("plain@example.com", [String]()), ("ghadmin@example.com", ["GitHub Admin"]),
                              ("sysman@example.com", ["System Manager"]), ("disabled@example.com", ["GitHub Admin"])] {
            let key = TestSite.unique("k"), secret = TestSite.unique("s")
            users[user] = (key, secret)
            try await site.write(user: "Administrator") { w in
                if try w.get("User", user) != nil { try w.delete("User", user) }
                try w.insert(Document("User", name: user, [
                    "email": .string(user), "first_name": .string(String(user.split(separator: "@")[0])),
                    "enabled": .int(user.hasPrefix("disabled") ? 0 : 1), "user_type": "System User",
                    "api_key": .string(key), "api_secret": .string(secret),
                ], children: ["roles": roles.map { Document("Has Role", ["role": .string($0)]) }]))
            }
        }
        users["Administrator"] = (made.result.apiKey, made.result.apiSecret)
        let ports = PortBox()
        let server = SidecarServer(configuration: .init(host: "127.0.0.1", port: 0), sites: SiteDirectory(bench: Bench(path: made.bench)),
                                   methods: Catalogue.methods(), registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        let app = server.application { port in await ports.set(port) }
        Task { try await app.run() }
        let port = try await ports.wait()
        return Running(baseURL: "http://127.0.0.1:\(port)", site: site, siteName: made.result.config.site,
                       secret: made.result.config.sidecarSecret ?? "", users: users, fake: fake)
    }
}

actor PortBox {
    private var port: Int?
    func set(_ p: Int) { port = p }
    func wait() async throws -> Int {
        for _ in 0..<200 {
            if let port { return port }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError("server did not start")
    }
}

struct HTTPReply: Sendable {
    let status: Int
    let contentType: String?
    let body: Data
    /// Header fields by lower-cased name.
    var headers: [String: String] = [:]

    var json: JSONValue? { try? JSONValue.decode(body) }
    var excType: String? { json?["exc_type"]?.string }
    /// The first message of a double-encoded `_server_messages`.
    var serverMessage: String? {
        guard let outer = json?["_server_messages"]?.string,
              case .array(let list) = try? JSONValue.decode(Data(outer.utf8)), let first = list.first?.string,
              let inner = try? JSONValue.decode(Data(first.utf8)) else { return nil }
        return inner["message"]?.string
    }
}

enum HTTP {
    static func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: Data = Data(),
                     timeout: TimeAmount = .seconds(60)) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return HTTPReply(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: Data(buffer: bytes),
                         headers: Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last }))
    }
}
