import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import TestSupport
import Testing

/// Syncs are durable jobs (ARCHITECTURE §3.5a): the desk waits a bounded time, never the whole
/// sync; a job outlives a rate-limit reset; a running job reports progress over Frappe realtime.
@Suite("Sync jobs", .serialized)
struct JobTests {
    @Test("a sync longer than the desk's wait answers at once with its Sync Run, goes on, and leaves the mirror exact")
    func longSyncAnswersQueued() async throws {
        let h = try await JobHarness.shared.start()
        let repo = h.repositories[0]
        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", times: 1, kind: .delay(.seconds(3))))
        let reply = try await h.call("github_api.sync_repo", ["repository": repo])
        #expect(reply.status == 200)
        let message = try #require(reply.message)
        #expect(message["queued"] == .bool(true))
        let run = try #require(message["sync_run"]?.stringValue)
        #expect(["Queued", "Running"].contains(message["status"]?.stringValue ?? ""))
        #expect(message["message"]?.stringValue?.contains(run) == true, "the answer says where to follow the sync")

        try await waitUntil("the queued sync has finished") { try await h.status(run) == "Succeeded" }
        let row = try #require(try await h.run(run))
        #expect(row["trigger"].string == "Manual")
        #expect(row["progress"].int == 100)
        #expect(try await h.mirrorIsExact(repo))

        // Nothing changed since: a sync that ends within the wait answers its summary as it always has.
        let again = try await h.call("github_api.sync_repo", ["repository": repo], patient: true)
        let summary = try #require(again.message)
        #expect(summary["queued"] == nil)
        #expect(summary["repository"]?.stringValue == repo)
        #expect(summary["rows_inserted"] == .number(0))
        #expect((summary["not_modified"]?.intValue ?? 0) > 0)
    }

    @Test("a sync asked for while one runs waits Queued, is reused by a third ask, then runs: Queued → Running → Succeeded")
    func secondSyncWaitsItsTurn() async throws {
        let h = try await JobHarness.shared.start()
        let repo = h.repositories[1]
        await h.fake.state.inject(FakeFault(method: "GET", pathContains: "/repos/\(repo)/issues", times: 2, kind: .delay(.seconds(2))))
        let first = try #require(try await h.call("github_api.sync_repo", ["repository": repo]).message?["sync_run"]?.stringValue)
        try await waitUntil("the first sync runs") { try await h.status(first) == "Running" }
        let second = try #require(try await h.call("github_api.sync_repo", ["repository": repo]).message)
        let secondRun = try #require(second["sync_run"]?.stringValue)
        #expect(secondRun != first)
        #expect(second["status"]?.stringValue == "Queued", "one sync of a repository at a time")
        let third = try #require(try await h.call("github_api.sync_repo", ["repository": repo]).message)
        #expect(third["sync_run"]?.stringValue == secondRun, "a waiting sync is reused: it will see every change")

        var seen: [String] = []
        try await waitUntil("the second sync has finished") {
            let status = try await h.status(secondRun) ?? ""
            if seen.last != status { seen.append(status) }
            return status == "Succeeded"
        }
        #expect(seen.first == "Queued" && seen.contains("Running") && seen.last == "Succeeded", "\(seen)")
        let runs = try await h.runs(of: repo)
        #expect(runs.count == 2 && runs.allSatisfy { $0["status"].string == "Succeeded" && $0["attempts"].int == 1 })
        #expect(try await h.mirrorIsExact(repo))
    }

    @Test("with the rate limit spent, sync_all_repositories answers at once; its jobs wait for the reset, then all succeed")
    func syncAllWaitsForTheReset() async throws {
        let h = try await JobHarness.shared.start()
        await h.fake.state.setBudget(identity: JobHarness.login, remaining: 0, resetIn: 3)
        let reply = try await h.call("github_api.sync_all_repositories")
        let message = try #require(reply.message)
        #expect(message["queued"] == .bool(true))
        #expect(message["repositories"] == .number(Double(h.repositories.count)))
        let runs = try #require(message["sync_runs"]?.object).compactMapValues(\.stringValue)
        #expect(Set(runs.keys) == Set(h.repositories))

        try await waitUntil("a job is waiting for the reset") {
            try await h.site.read { r in
                try r.list("GitHub Sync Run", where: ["name": .isIn(runs.values.map { .string($0) })], fields: ["status", "error"])
                    .contains { $0["status"].string == "Queued" && $0["error"].string?.contains("rate limit") == true }
            }
        }
        try await waitUntil("every job has finished") {
            for run in runs.values where !["Succeeded", "Failed"].contains(try await h.status(run) ?? "") { return false }
            return true
        }
        for (repo, run) in runs {
            let row = try #require(try await h.run(run))
            #expect(row["status"].string == "Succeeded", "\(repo): \(row["error"].string ?? "")")
            #expect(row["trigger"].string == "Sync All")
            #expect(row["attempts"].int == 1, "waiting for the reset is not a failed attempt")
            #expect(try await h.mirrorIsExact(repo))
        }
    }

    @Test("the scheduler's sync-all is recorded as Scheduler; any other trigger is refused and queues nothing")
    func schedulerTrigger() async throws {
        let h = try await JobHarness.shared.start()
        let before = try await h.site.read { try $0.count("GitHub Sync Run") }
        let refused = try await h.call("github_api.sync_all_repositories", ["trigger": "Webhook"])
        #expect(refused.status == 417)
        #expect(try await h.site.read { try $0.count("GitHub Sync Run") } == before)

        let reply = try await h.call("github_api.sync_all_repositories", ["trigger": "Scheduler"])
        let runs = try #require(reply.message?["sync_runs"]?.object).compactMapValues(\.stringValue)
        try await waitUntil("the scheduled jobs have finished") {
            for run in runs.values where try await h.status(run) != "Succeeded" { return false }
            return true
        }
        for run in runs.values { #expect(try await h.run(run)?["trigger"].string == "Scheduler") }
    }

    @Test("a running job publishes Frappe's progress events to the user who asked, rising to 100 %, on the events channel")
    func progressOverRealtime() async throws {
        let redisURL = try #require(ProcessInfo.processInfo.environment["SIDECAR_TEST_REDIS_URL"], "run the tests with make test")
        let h = try await JobHarness.shared.start()
        // A site of its own, so only the runner below (whose site publishes to Redis) takes its job.
        let made = try await TestSite.dedicated("jobs-realtime", ownBench: true)
        _ = try await Install.run(site: made.site, user: "Administrator")
        let repo = h.repositories[2], base = h.fake.baseURL
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["personal_access_token": .string(JobHarness.token), "api_base_url": .string(base), "enabled": .int(1)])
            try w.insert(Document("Repository", ["full_name": .string(repo), "enabled": .int(1)]))
        }
        let site = try await Site(config: made.result.config, poolSize: 4,
                                  cache: RedisSiteCache(cacheURL: redisURL, eventsURL: redisURL, site: made.result.config.site))
        let siteName = made.result.config.site
        let events = try RedisEvents.listen(redisURL) { messages in
            messages.contains { $0.contains("\"progress\"") && ($0.contains("\"percent\": 100") || $0.contains("\"percent\":100")) }
        }
        let job = try await SyncJobs.enqueue(repo, trigger: .manual, user: "Administrator", site: site)
        let connections = GitHubConnections()
        let runner = JobRunner(concurrency: 1) { try await connections.client(for: $0).with(rateLimitPolicy: .failFast) }
        await runner.kick(site)

        let progress = try await events.value.compactMap { payload -> JSONValue? in
            guard let event = try? JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8)), event["event"]?.stringValue == "progress" else { return nil }
            return event
        }
        #expect(!progress.isEmpty)
        for event in progress {
            #expect(event["room"]?.stringValue == "user:Administrator")
            #expect(event["namespace"]?.stringValue == siteName)
            #expect(event["message"]?["title"]?.stringValue == "Syncing \(repo)")
            #expect(event["message"]?.object.map { Set($0.keys) } == ["percent", "title", "description"], "frappe.publish_progress's shape")
        }
        let percents = progress.compactMap { event -> Double? in
            if case .number(let percent)? = event["message"]?["percent"] { return percent } else { return nil }
        }
        #expect(percents == percents.sorted(), "the bar only moves forward")
        #expect(percents.last == 100)
        try await waitUntil("the job is recorded as finished") {
            try await site.read { try $0.get("GitHub Sync Run", job.name)?["status"].string } == "Succeeded"
        }
        await runner.stop()
        try await site.close()
    }
}
