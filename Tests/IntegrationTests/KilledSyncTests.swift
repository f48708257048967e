import AsyncHTTPClient
import FakeGitHub
import Foundation
import Frappe
import Integration
import NIOCore
import NIOFoundationCompat
import TestSupport
import Testing

/// The real `github-sidecar` binary over HTTP, killed with SIGKILL part-way through a sync.
@Suite("A sync survives kill -9")
struct KilledSyncTests {
    @Test("kill -9 during a sync of 3,000 issues, then sync again: the mirror is exact, nothing doubled")
    func killedMidSync() async throws {
        let made = try await TestSite.dedicated("killsync")
        let seed = FakeSeedGenerator(organization: "acme", repositories: 1, issues: 3_000, pullRequests: 200, branches: 20,
                                     collaborators: 5, seed: 7, tokens: ["kill-token"]).generate()
        let fake = try await FakeGitHubServer.start(seed: seed, options: FakeGitHubOptions(latency: .milliseconds(20)))
        let repo = try #require(await fake.state.repositoryNames().first)
        _ = try await Install.run(site: made.site, user: "Administrator")
        let base = fake.baseURL
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["personal_access_token": "kill-token", "api_base_url": .string(base), "enabled": .int(1)])
            try w.insert(Document("Repository", ["full_name": .string(repo), "repo_owner": "acme", "repo_name": .string(String(repo.split(separator: "/")[1]))]))
        }

        // First run: killed once a few pages have landed.
        let killed = try await SidecarProcess.started(bench: made.bench)
        let result = made.result
        let firstCall = Task { try? await killed.call("github_api.sync_repo", site: result, args: ["repository": repo]) }
        var landed = 0
        for _ in 0..<600 {
            landed = try await issueCount(made.site, repo)
            if landed >= 300 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        killed.kill()
        _ = await firstCall.value
        let expected = Set(seed.repositories[0].issues.filter { $0.pull == nil }.map(\.number))
        #expect(landed >= 300 && landed < expected.count, "killed part-way (\(landed) of \(expected.count))")

        // Second run on a fresh process.
        let sidecar = try await SidecarProcess.started(bench: made.bench)
        defer { sidecar.kill() }
        let reply = try await sidecar.call("github_api.sync_repo", site: made.result, args: ["repository": repo])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")

        try await made.site.read { r in
            let numbers = try r.list("Repository Issue", where: ["repository": .equals(.string(repo))], fields: ["issue_number"])
                .compactMap { $0["issue_number"].int }
            #expect(Set(numbers) == expected, "every issue, once")
            #expect(numbers.count == expected.count)
            let assignees = try r.count("Repository Issue Assignee", where: ["parenttype": .equals("Repository Issue")])
            let expectedAssignees = seed.repositories[0].issues.filter { $0.pull == nil }.reduce(0) { $0 + Set($1.assignees ?? []).count }
            #expect(assignees == expectedAssignees, "no child row doubled")
            let pulls = try r.count("Repository Pull Request", where: ["repository": .equals(.string(repo))])
            #expect(pulls == seed.repositories[0].issues.filter { $0.pull != nil }.count)
            let runs = try r.list("GitHub Sync Run", where: ["repository": .equals(.string(repo))], fields: ["status"]).compactMap { $0["status"].string }
            #expect(runs.sorted() == ["Failed", "Succeeded"], "the killed run is closed as Failed, the next one succeeded")
        }
        await fake.stop()
    }

    func issueCount(_ site: Site, _ repo: String) async throws -> Int {
        try await site.read { try $0.count("Repository Issue", where: ["repository": .equals(.string(repo))]) }
    }
}

extension SidecarProcess {
    /// Starts the binary on a free port and waits until it listens.
    static func started(bench: URL) async throws -> SidecarProcess {
        let sidecar = try SidecarProcess(bench: bench, port: try EndToEnd.freePort())
        try await sidecar.waitUntilListening()
        return sidecar
    }

    struct Reply: Sendable { let status: Int; let body: Data }

    /// An RPC as Administrator (API key and secret), with a JSON body.
    func call(_ method: String, site: DevSite.Result, args: [String: String]) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/method/erpnext_github_integration.\(method)")
        request.method = .POST
        request.headers.add(name: "X-Frappe-Site-Name", value: site.config.site)
        request.headers.add(name: "Authorization", value: "token \(site.apiKey):\(site.apiSecret)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(args)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        return Reply(status: Int(response.status.code), body: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
