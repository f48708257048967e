// Template sync benchmark (ARCHITECTURE §7): a repository of 500 Email Template files served by an
// in-process FakeGitHub with 20 ms latency per request, synced into a fresh dev site through the
// GitHub App's own path (a queued sync job, then a signed push delivery, both applied by
// `GitHubAppService.processNext`). Budget: first sync ≤ 3 + changed-blob calls; a push changing 3
// files ≤ 6 calls and ≤ 2 s. Run with `make bench`.
import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import _CryptoExtras

@main
struct TemplateSyncBenchmark {
    static let files = 500
    static let repository = "acme/erp-templates"

    static func template(_ index: Int, subject: String) -> String {
        #"{"doctype": "Email Template", "name": "Bench \#(index)", "subject": "\#(subject)", "response": "<p>Hello {{ name }}, template \#(index)</p>"}"#
    }

    static func main() async throws {
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            print("SIDECAR_TEST_MARIADB_SOCKET is not set: run `make bench`"); exit(2)
        }
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("template-bench-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let benchDirectory = work.appendingPathComponent("bench")
        let made = try await DevSite.create(DevSite.Request(
            bench: benchDirectory, site: "templates.localhost", endpoint: .unixSocket(path: socket),
            rootUser: "root", rootPassword: "", frappeFixtures: root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/frappe"),
            appFolder: root.appendingPathComponent("frappe_bridge/erpnext_github_integration")))
        let site = try await Site(config: made.config, poolSize: 4)
        _ = try await Install.run(site: site, user: "Administrator")
        let landlordURL = try await LandlordSetup.create(rootUser: "root", rootPassword: "", endpoint: .socket(socket))

        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var contents: [String: String] = [:]
        for index in 1...files { contents[String(format: "templates/email/t%03d.json", index)] = template(index, subject: "Subject \(index)") }
        let installationID: Int64 = 1001
        let seed = FakeSeed(organizations: [FakeOrganization(id: 10, login: "acme")],
                            repositories: [FakeRepository(id: 77, owner: "acme", name: "erp-templates", createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                                                          branches: [FakeBranch(name: "main", sha: String(repeating: "5", count: 40), committedDate: Date())],
                                                          files: contents)],
                            apps: [FakeApp(id: 31, slug: "erp-templates", publicKeyPEM: key.publicKey.pemRepresentation,
                                           installations: [FakeInstallation(id: installationID, account: "acme", createdAt: Date())])])
        let fake = try await FakeGitHubServer.start(seed: seed, options: FakeGitHubOptions(latency: .milliseconds(20), acceptUnknownTokens: false))
        let secret = "bench-secret"
        let environment = GitHubAppEnvironment(appID: 31, privateKeyPEM: key.pemRepresentation, webhookSecret: secret,
                                               appURL: "https://github.com/apps/erp-templates/installations/new", apiURL: fake.baseURL,
                                               landlord: landlordURL)
        let service = try GitHubAppService(environment: environment, sites: SiteDirectory(bench: Bench(path: benchDirectory)))
        let store = try await service.landlord()
        try await store.upsertInstallation(id: installationID, appID: 31, accountLogin: "acme", accountType: "Organization", accountID: 10, announced: true)
        try await store.link(installationID: installationID, site: made.config.site, user: "Administrator")
        try await store.configure(installationID: installationID, repository: repository, branch: "main")

        var rows: [String] = []
        // 1. First sync: queued as the head check (or configure) queues it, applied by a worker step.
        _ = try await service.checkHeads()
        await fake.state.clearRequestLog()
        var start = ContinuousClock.now
        while try await service.processNext() {}
        rows.append(row("first sync, \(files) files", calls: await fake.state.requestLog().count, budget: "≤ \(3 + files) calls",
                        wall: ContinuousClock.now - start, wallBudget: nil))

        // 2. A push changing 3 files, delivered signed to the App's endpoint.
        guard let pushed = await fake.push(repository, changes: [
            "templates/email/t001.json": template(1, subject: "Changed"), "templates/email/t002.json": template(2, subject: "Changed"),
            "templates/email/t003.json": template(3, subject: "Changed"),
        ], deliver: false) else { throw FrappeError.validation("push failed") }
        let payload: [String: Any] = [
            "ref": "refs/heads/main", "before": pushed.before, "after": pushed.after, "created": false, "deleted": false, "forced": false,
            "repository": ["id": 77, "name": "erp-templates", "full_name": repository], "installation": ["id": installationID],
            "commits": [], "head_commit": NSNull(),
        ]
        let body = try JSONSerialization.data(withJSONObject: payload)
        await fake.state.clearRequestLog()
        start = ContinuousClock.now
        let answer = await service.receive(headers: ["x-github-event": "push", "x-github-delivery": UUID().uuidString,
                                                     "x-hub-signature-256": WebhookVerifier.signature(for: body, secret: secret)], body: body)
        guard answer.status == 202 else { throw FrappeError.validation("delivery refused: \(answer.status)") }
        while try await service.processNext() {}
        rows.append(row("push changing 3 of \(files)", calls: await fake.state.requestLog().count, budget: "≤ 6 calls",
                        wall: ContinuousClock.now - start, wallBudget: 2))

        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        print("Template sync benchmark: FakeGitHub in process with 20 ms latency per request")
        print("Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu); date \(ISO8601DateFormatter().string(from: Date()))")
        print("| pass | GitHub calls | call budget | wall | wall budget |")
        print("| --- | --- | --- | --- | --- |")
        rows.forEach { print($0) }
        await fake.stop()
        try await site.close()
    }

    static func row(_ pass: String, calls: Int, budget: String, wall: Duration, wallBudget: Double?) -> String {
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let verdict = wallBudget.map { seconds <= $0 ? "within \(Int($0)) s" : "OVER \(Int($0)) s" } ?? "—"
        return "| \(pass) | \(calls) | \(budget) | \(String(format: "%.2f s", seconds)) | \(verdict) |"
    }
}
