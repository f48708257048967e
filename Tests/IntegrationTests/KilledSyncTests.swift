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
    @Test("kill -9 with one sync running and one queued: after a restart both complete by themselves, each once, the mirror exact")
    func killedMidSync() async throws {
        let made = try await TestSite.dedicated("killsync", ownBench: true)
        let seed = FakeSeedGenerator(organization: "acme", repositories: 2, issues: 3_000, pullRequests: 200, branches: 20,
                                     collaborators: 5, seed: 7, tokens: ["kill-token"]).generate()
        let fake = try await FakeGitHubServer.start(seed: seed, options: FakeGitHubOptions(latency: .milliseconds(20)))
        let repos = await fake.state.repositoryNames()
        try #require(repos.count == 2)
        _ = try await Install.run(site: made.site, user: "Administrator")
        let base = fake.baseURL
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["personal_access_token": "kill-token", "api_base_url": .string(base), "enabled": .int(1)])
            for repo in repos {
                try w.insert(Document("Repository", ["full_name": .string(repo), "repo_owner": "acme", "repo_name": .string(String(repo.split(separator: "/")[1]))]))
            }
        }

        // One job at a time, and the desk answered at once: the first sync runs, the second waits.
        let killed = try await SidecarProcess.started(bench: made.bench, extra: ["--job-workers", "1", "--sync-wait", "0"])
        var queued: [String] = []
        for repo in repos {
            let reply = try await killed.call("github_api.sync_repo", site: made.result, args: ["repository": repo])
            let message = try JSONDecoder().decode(JSONValue.self, from: reply.body)["message"]
            queued.append(try #require(message?["sync_run"]?.stringValue, "\(String(decoding: reply.body, as: UTF8.self))"))
        }
        let jobs = queued
        try await waitUntil("a few pages of the first repository have landed") { try await issueCount(made.site, repos[0]) >= 300 }
        killed.kill()
        let landed = try await issueCount(made.site, repos[0])
        let statuses = try await made.site.read { r in try jobs.map { try r.get("GitHub Sync Run", $0)?["status"].string ?? "" } }
        #expect(statuses == ["Running", "Queued"], "killed with the first running and the second waiting")
        #expect(landed < seed.repositories[0].issues.filter { $0.pull == nil }.count, "killed part-way (\(landed))")

        // A fresh process finds both: the interrupted one is queued again, and both run.
        let sidecar = try await SidecarProcess.started(bench: made.bench)
        defer { sidecar.kill() }
        try await waitUntil("both jobs have finished", deadline: .seconds(300)) {
            try await made.site.read { r in
                try jobs.allSatisfy { ["Succeeded", "Failed"].contains(try r.get("GitHub Sync Run", $0)?["status"].string ?? "") }
            }
        }
        try await made.site.read { r in
            for (index, repo) in repos.enumerated() {
                let fakeIssues = seed.repositories[index].issues
                let expected = Set(fakeIssues.filter { $0.pull == nil }.map(\.number))
                let numbers = try r.list("Repository Issue", where: ["repository": .equals(.string(repo))], fields: ["issue_number"])
                    .compactMap { $0["issue_number"].int }
                #expect(Set(numbers) == expected, "every issue of \(repo)")
                #expect(numbers.count == expected.count, "each once")
                let assignees = try r.count("Repository Issue Assignee", where: ["parent": .isIn(numbers.map { .string("\(repo)-#\($0)") })])
                #expect(assignees == fakeIssues.filter { $0.pull == nil }.reduce(0) { $0 + Set($1.assignees ?? []).count }, "no child row doubled")
                let pulls = try r.count("Repository Pull Request", where: ["repository": .equals(.string(repo))])
                #expect(pulls == fakeIssues.filter { $0.pull != nil }.count)
                let runs = try r.list("GitHub Sync Run", where: ["repository": .equals(.string(repo))], fields: ["name", "status", "attempts"])
                #expect(runs.count == 1 && runs.first?.name == jobs[index], "one Sync Run per repository: nothing ran twice")
                #expect(runs.first?["status"].string == "Succeeded")
                #expect(runs.first?["attempts"].int == (index == 0 ? 2 : 1), "the interrupted one ran again, the queued one once")
            }
        }
        await fake.stop()
    }

    @Test("kill -9 with a bulk create running and an import queued: after a restart both complete, no issue is made twice, every issue imported once")
    func killedMidBulkWork() async throws {
        let made = try await TestSite.dedicated("killbulk", ownBench: true)
        let seed = FakeSeedGenerator(organization: "acme", repositories: 2, issues: 600, pullRequests: 20, branches: 2,
                                     collaborators: 3, seed: 9, tokens: ["killbulk-token"]).generate()
        let fake = try await FakeGitHubServer.start(seed: seed, options: FakeGitHubOptions(latency: .milliseconds(20)))
        defer { Task { await fake.stop() } }
        let repos = await fake.state.repositoryNames()
        try #require(repos.count == 2)
        _ = try await Install.run(site: made.site, user: "Administrator")
        let base = fake.baseURL
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["personal_access_token": "killbulk-token", "api_base_url": .string(base), "enabled": .int(1)])
            for repo in repos { try w.insert(Document("Repository", ["full_name": .string(repo)])) }
        }
        let tag = "Made once"
        let items = JSONValue.array((1...60).map { .object(["title": .string("\(tag) \($0)")]) })
        func madeOnGitHub() async -> [String] { (await fake.state.repository(repos[0])?.issues ?? []).map(\.title).filter { $0.hasPrefix(tag) } }

        // One job at a time, answered at once: the bulk create runs, the import waits.
        let killed = try await SidecarProcess.started(bench: made.bench, extra: ["--job-workers", "1", "--sync-wait", "0"])
        var jobs: [String] = []
        for (method, args) in [("github_api.bulk_create_issues", ["repository": repos[0], "issues": items.pythonJSON()]),
                               ("api.bulk_import_github_data", ["repo_full_name": repos[1], "import_type": "issues"])] {
            let reply = try await killed.call(method, site: made.result, args: args)
            let message = try JSONDecoder().decode(JSONValue.self, from: reply.body)["message"]
            jobs.append(try #require(message?["sync_run"]?.stringValue, "\(String(decoding: reply.body, as: UTF8.self))"))
        }
        try await waitUntil("some of the issues are made") { await madeOnGitHub().count >= 10 }
        killed.kill()
        let before = await madeOnGitHub().count
        let queued = jobs
        let statuses = try await made.site.read { r in try queued.map { try r.get("GitHub Sync Run", $0)?["status"].string ?? "" } }
        #expect(statuses == ["Running", "Queued"], "killed with the create running and the import waiting")
        #expect(before < 60, "killed part-way (\(before))")

        let sidecar = try await SidecarProcess.started(bench: made.bench)
        defer { sidecar.kill() }
        try await waitUntil("both jobs have finished", deadline: .seconds(300)) {
            try await made.site.read { r in
                try queued.allSatisfy { ["Succeeded", "Failed"].contains(try r.get("GitHub Sync Run", $0)?["status"].string ?? "") }
            }
        }
        let titles = await madeOnGitHub()
        #expect(titles.count == 60 && Set(titles).count == 60, "every issue made, none twice (\(titles.count))")
        try await made.site.read { r in
            let create = try #require(try r.get("GitHub Sync Run", queued[0]))
            #expect(create["status"].string == "Succeeded" && create["attempts"].int == 2, "the interrupted create ran again")
            let result = try JSONValue.decode(Data((create["result"].text ?? "null").utf8))
            #expect(result["failed"]?.intValue == 0 && (result["created"]?.intValue ?? 0) + (result["existing"]?.intValue ?? 0) == 60, "\(result)")
            let mirrored = try r.list("Repository Issue", where: ["repository": .equals(.string(repos[0]))], fields: ["title"])
                .filter { $0["title"].string?.hasPrefix(tag) == true }
            #expect(mirrored.count == 60 && Set(mirrored.compactMap { $0["title"].string }).count == 60, "each made issue mirrored once")

            let importRun = try #require(try r.get("GitHub Sync Run", queued[1]))
            #expect(importRun["status"].string == "Succeeded" && importRun["attempts"].int == 1, "the queued import ran once")
            let expected = Set(seed.repositories[1].issues.filter { $0.pull == nil }.map(\.number))
            let numbers = try r.list("Repository Issue", where: ["repository": .equals(.string(repos[1]))], fields: ["issue_number"])
                .compactMap { $0["issue_number"].int }
            #expect(Set(numbers) == expected && numbers.count == expected.count, "every issue of \(repos[1]) once")
        }
    }

    func issueCount(_ site: Site, _ repo: String) async throws -> Int {
        try await site.read { try $0.count("Repository Issue", where: ["repository": .equals(.string(repo))]) }
    }
}

extension SidecarProcess {
    /// Starts the binary on a free port and waits until it listens.
    static func started(bench: URL, extra: [String] = []) async throws -> SidecarProcess {
        let sidecar = try SidecarProcess(bench: bench, port: try EndToEnd.freePort(), extra: extra)
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
