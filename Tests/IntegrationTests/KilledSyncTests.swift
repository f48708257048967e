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
        let killed = try Sidecar.start(bench: made.bench)
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
        let sidecar = try Sidecar.start(bench: made.bench)
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

/// `github-sidecar serve` as a child process on a free loopback port. (`Process` is only touched
/// to start, signal and reap it, hence `@unchecked Sendable`.)
struct Sidecar: @unchecked Sendable {
    let process: Process
    let port: Int

    static func start(bench: URL) throws -> Sidecar {
        let port = try freePort()
        let process = Process()
        process.executableURL = try Paths.builtProduct("github-sidecar")
        process.arguments = ["serve", "--bench", bench.path, "--listen", "127.0.0.1:\(port)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(20)
        while !seen.contains("listening on"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05) } else { seen += String(decoding: chunk, as: UTF8.self) }
        }
        guard seen.contains("listening on") else { process.terminate(); throw TestSetupError("the sidecar did not start") }
        return Sidecar(process: process, port: port)
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    struct Reply { let status: Int; let body: Data }

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

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSetupError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
