import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import Testing
import TestSupport
import _CryptoExtras

/// The built `github-sidecar serve` with the App configured only through its environment, as a
/// bench runs it: the landlord opens, `/github/webhooks` stores and applies the App's deliveries,
/// `/github/callback` links, and `github_app.*` answers.
@Suite("GitHub App through the github-sidecar binary")
struct GitHubAppBinaryTests {
    @Test("Environment → landlord tables → signed installation.created applied → install URL → callback links; a bad signature is 401")
    func binary() async throws {
        let made = try await TestSite.dedicated("app-binary", ownBench: true)
        _ = try await Install.run(site: made.site, user: "Administrator")
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            throw TestSetupError("SIDECAR_TEST_MARIADB_SOCKET is not set")
        }
        let landlordURL = try await LandlordSetup.create(rootUser: "root", rootPassword: "", endpoint: .socket(socket))
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let port = try EndToEnd.freePort()
        let secret = "binary-app-secret"
        let seed = FakeSeed(organizations: [FakeOrganization(id: 10, login: "acme")],
                            repositories: [FakeRepository(id: 1, owner: "acme", name: "erp-templates", createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                                                          branches: [FakeBranch(name: "main", sha: String(repeating: "3", count: 40), committedDate: Date())],
                                                          files: ["t.json": #"{"doctype": "Email Template", "name": "Bin 1", "subject": "S"}"#])],
                            apps: [FakeApp(id: 91, slug: "erp-templates", publicKeyPEM: key.publicKey.pemRepresentation,
                                           webhookURL: "http://127.0.0.1:\(port)/github/webhooks", webhookSecret: secret)])
        let fake = try await FakeGitHubServer.start(seed: seed, options: FakeGitHubOptions(acceptUnknownTokens: false))
        let sidecar = try SidecarProcess(bench: made.bench, port: port, workers: 1, environment: [
            "GITHUB_APP_ID": "91", "GITHUB_APP_PRIVATE_KEY": key.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n"),
            "GITHUB_WEBHOOK_SECRET": secret, "GITHUB_APP_URL": "https://github.com/apps/erp-templates/installations/new",
            "GITHUB_API_URL": fake.baseURL, "GITHUB_SIDECAR_LANDLORD": landlordURL.secretURL,
        ])
        let store = try await LandlordStore.open(landlordURL)
        do {
            try await sidecar.waitUntilListening()
            let h = GitHubAppHarnessHTTP(baseURL: "http://127.0.0.1:\(port)", siteName: made.result.config.site,
                                         adminToken: "\(made.result.apiKey):\(made.result.apiSecret)")
            let url = try await h.rpc("get_install_url")
            #expect(url.status == 200, "\(url.body)")
            let state = try #require(GitHubAppHarness.stateParameter(of: url.message?["url"]?.string ?? ""))

            let id = try #require(await fake.install(appID: 91, account: "acme", sender: "alice"))
            try await waitUntil("the binary's worker applied installation.created") {
                try await store.installation(id: id)?.announcedAt != nil
            }
            #expect(try await store.installation(id: id)?.accountLogin == "acme", "the binary's worker applied installation.created")

            let body = Data(#"{"zen":"x"}"#.utf8)
            let bad = try await h.request(.POST, "/github/webhooks", body: body, headers: [
                ("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", UUID().uuidString), ("X-Hub-Signature-256", "sha256=00"),
            ])
            #expect(bad.status == 401)

            let linked = try await h.request(.GET, "/github/callback?installation_id=\(id)&setup_action=install&state=\(GitHubAppHarness.encoded(state))")
            #expect(linked.status == 302, "\(linked.body)")
            #expect(try await store.installation(site: made.result.config.site)?.installationID == id)
        } catch {
            sidecar.terminate()
            await fake.stop()
            try? await store.close()
            throw error
        }
        sidecar.terminate()
        await fake.stop()
        try await store.close()
    }
}
