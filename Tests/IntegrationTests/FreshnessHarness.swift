import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import TestSupport

/// The `github-sidecar` binary on a bench of its own, holding one installed site, for tests that
/// change the site the way Frappe does (rows with a new `modified`, site_config.json rewritten, a
/// new site folder) and watch the running process notice without a restart.
actor FreshnessHarness {
    static let shared = FreshnessHarness()

    struct Running: Sendable {
        let made: TestSite.Made
        let sidecar: LoggedSidecar
        var baseURL: String { "http://127.0.0.1:\(sidecar.port)" }
        var siteName: String { made.result.config.site }
        var bench: Bench { Bench(path: made.bench) }
    }

    private var starting: Task<Running, Error>?
    /// The site's webhook secret right now (a test saves a new one the way Frappe does).
    private(set) var secret = "fresh-secret-\(UUID().uuidString)"

    func setSecret(_ new: String) { secret = new }

    /// The last ping's answer, printed when a test gives up (what the sidecar kept saying).
    private(set) var lastReply: String = "none"

    func start() async throws -> Running {
        if starting == nil {
            let secret = self.secret
            starting = Task {
                let made = try await TestSite.dedicated("freshness", ownBench: true)
                try await Self.install(made.site, secret: secret)
                let sidecar = try LoggedSidecar(bench: made.bench, port: try EndToEnd.freePort(), workers: 2)
                try await sidecar.waitUntilListening()
                return Running(made: made, sidecar: sidecar)
            }
        }
        guard let starting else { throw TestSetupError("unreachable") }
        return try await starting.value
    }

    static func install(_ site: Site, secret: String) async throws {
        _ = try await Install.run(site: site, user: "Administrator")
        try await site.write(user: "Administrator") { try $0.setSingle("GitHub Settings", ["webhook_secret": .string(secret)]) }
    }

    /// A signed `ping` delivery to `site` through the running binary.
    func ping(site: String? = nil, secret: String? = nil) async throws -> (delivery: String, reply: WebhookReply) {
        let running = try await start()
        let delivery = UUID().uuidString
        let body = try RecordedPayload("ping/payload.json").data
        let reply = try await GitHubPost.send(to: running.baseURL, site: site ?? running.siteName, event: "ping", delivery: delivery, body: body,
                                              signature: WebhookVerifier.signature(for: body, secret: secret ?? self.secret))
        lastReply = "\(reply.status) \(String(decoding: reply.body.prefix(600), as: UTF8.self))"
        return (delivery, reply)
    }
}

/// Changes made the way Frappe makes them, straight in the site's database and files.
enum FrappeDesk {
    /// A root connection to the site's database.
    static func root(_ made: TestSite.Made) throws -> Connection {
        try Connection(configuration: TestServer.rootConfiguration(database: made.result.config.dbName))
    }

    /// `site_config.json` rewritten as `update_site_config` writes it: `json.dumps(indent=1, sort_keys=True)`.
    static func updateSiteConfig(_ bench: Bench, site: String, _ change: (inout [String: Any]) -> Void) throws {
        let file = bench.siteConfigFile(site)
        var values = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
        change(&values)
        var text = String(decoding: try JSONSerialization.data(withJSONObject: values, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
        // Foundation indents by two; Frappe by one.
        text = text.components(separatedBy: "\n").map { line in
            let spaces = line.prefix { $0 == " " }.count
            return String(repeating: " ", count: spaces / 2) + String(line.dropFirst(spaces))
        }.joined(separator: "\n").replacingOccurrences(of: "\" : ", with: "\": ")
        try Data(text.utf8).write(to: file)
    }
}

/// `github-sidecar serve` with its log kept in the test's scratch folder (read when a test fails).
final class LoggedSidecar: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL

    init(bench: URL, port: Int, workers: Int) throws {
        self.port = port
        log = TestScratch.folder("sidecar-log").appendingPathExtension("txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = EndToEnd.sidecarBinary
        process.arguments = ["serve", "--bench", bench.path, "--listen", "127.0.0.1:\(port)", "--webhook-workers", String(workers)]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        ChildProcesses.register(process.processIdentifier)
    }

    func waitUntilListening() async throws {
        try await waitUntil("github-sidecar listens on \(port)", deadline: .seconds(30)) {
            (try? await GitHubProbe.status("http://127.0.0.1:\(port)/healthz")) == 200
        }
    }

    /// The last lines the process logged.
    var logTail: String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }
}
