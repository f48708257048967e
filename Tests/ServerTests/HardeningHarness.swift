import Foundation
import Frappe
import Integration
import TestSupport

/// A bench of its own for the hardening tests (issue 12), served by the real `github-sidecar`
/// binary over loopback HTTP:
///
/// - site A reaches MariaDB through a ``TCPRelay`` (cut to play a database restart) and has a
///   `redis_cache` of its own (frozen with SIGSTOP); its GitHub is a ``FixedResponder`` that
///   answers what the test says;
/// - site B has no Redis; both share one `github_sidecar_secret`, as a secret in
///   `common_site_config.json` would make them;
/// - the sidecar validates `sid` cookies against a Frappe that hangs.
actor HardeningHarness {
    static let shared = HardeningHarness()

    struct Running: Sendable {
        let bench: URL
        let siteA: String
        let siteB: String
        let secret: String
        let tokenA: String
        let webhookSecret: String
        let redis: RedisProcess
        let relay: TCPRelay
        let frappe: HangingListener
        let github: FixedResponder
        let sidecar: SidecarBinary

        /// Another `github-sidecar serve` on the same bench (a second sidecar, or a restart).
        func startSidecar(extra: [String] = []) async throws -> SidecarBinary {
            let sidecar = try SidecarBinary(bench: bench, extra: extra)
            try await sidecar.waitUntilListening()
            return sidecar
        }
    }

    private let once = StartOnce<Running>()

    func start() async throws -> Running { try await once.value { try await Self.make() } }

    static let secret = "hardening-shared-secret-4c1d"
    static let webhookSecret = "hardening-webhook-secret-9e2a"

    private static func make() async throws -> Running {
        guard let mariaDBPort = TestServer.tcpPort else { throw TestSetupError("SIDECAR_TEST_MARIADB_PORT is not set: run under scripts/services.sh") }
        let redis = try RedisProcess()
        try await redis.waitUntilAnswering()
        let relay = try TCPRelay(to: mariaDBPort)
        let github = try FixedResponder()
        let frappe = try HangingListener()

        let a = try await TestSite.dedicated("harden-a", ownBench: true)
        let b = try await TestSite.dedicated("harden-b", ownBench: true)
        for made in [a, b] {
            _ = try await Install.run(site: made.site, user: "Administrator")
            let githubURL = github.baseURL
            try await made.site.write(user: "Administrator") { w in
                try w.setSingle("GitHub Settings", ["webhook_secret": .string(webhookSecret), "api_base_url": .string(githubURL),
                                                    "personal_access_token": "hardening-token"])
            }
        }
        // One bench holding both sites (their folders linked in), so no other sidecar touches them.
        let bench = TestScratch.folder("bench-hardening")
        let sites = bench.appendingPathComponent("sites")
        try FileManager.default.createDirectory(at: sites, withIntermediateDirectories: true)
        for made in [a, b] {
            let name = made.result.config.site
            try FileManager.default.createSymbolicLink(at: sites.appendingPathComponent(name),
                                                       withDestinationURL: made.bench.appendingPathComponent("sites").appendingPathComponent(name))
        }
        try editConfig(bench, a.result.config.site) { config in
            config["db_socket"] = nil
            config["db_host"] = "127.0.0.1"
            config["db_port"] = relay.port
            config["redis_cache"] = redis.url
            config["github_sidecar_secret"] = secret
        }
        try editConfig(bench, b.result.config.site) { config in
            config["redis_cache"] = nil
            config["github_sidecar_secret"] = secret
        }
        let sidecar = try SidecarBinary(bench: bench, extra: ["--frappe-url", "http://127.0.0.1:\(frappe.port)"])
        try await sidecar.waitUntilListening()
        return Running(bench: bench, siteA: a.result.config.site, siteB: b.result.config.site, secret: secret,
                       tokenA: "token \(a.result.apiKey):\(a.result.apiSecret)", webhookSecret: webhookSecret,
                       redis: redis, relay: relay, frappe: frappe, github: github, sidecar: sidecar)
    }

    static func editConfig(_ bench: URL, _ site: String, _ change: (inout [String: Any]) -> Void) throws {
        let url = bench.appendingPathComponent("sites").appendingPathComponent(site).appendingPathComponent("site_config.json")
        var config = (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]) ?? [:]
        change(&config)
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }
}
