import AsyncHTTPClient
import Foundation
@testable import Frappe
import GitHub
import Integration
import MariaDB
import NIOCore
import NIOFoundationCompat
import Synchronization
import TestSupport
import Testing

/// The real `github-sidecar serve` binary as a child process: killed with SIGKILL while deliveries
/// are being acknowledged and applied, and run twice over one site's queue (ARCHITECTURE §3.5:
/// "nothing is lost if the sidecar is killed mid-way", "several sidecars can share a site").
@Suite("Webhooks survive kill -9 and share a queue across processes")
struct WebhookCrashTests {
    @Test("kill -9 while 2,000 deliveries are posted; restart and redeliver what got no 2xx: each applied exactly once")
    func killedMidIngest() async throws {
        let (made, bench) = try await WebhookSite.make("webhooks-crash")
        let repo = TestRepository.make()
        try await repo.track(on: made.site)
        let deliveries = try WebhookBatch.make(count: 2_000, repository: repo)
        let siteName = made.result.config.site

        // First run: killed once 700 deliveries have been acknowledged. The POSTs in flight then get
        // no answer (or a lost one); the rest are never sent, as GitHub's would fail.
        // One worker, so applying lags behind acknowledging and the kill lands with a backlog queued.
        let first = try SidecarProcess(bench: bench, port: try EndToEnd.freePort(), workers: 1)
        try await first.waitUntilListening()
        let acked = AckCounter()
        let killer = Task {
            var waited = 0
            while acked.count < 700, waited < 6_000 {
                try await Task.sleep(for: .milliseconds(5))
                waited += 1
            }
            first.kill()
            acked.markKilled()
        }
        let firstReplies = await WebhookBatch.post(deliveries, to: "http://127.0.0.1:\(first.port)", site: siteName, window: 32,
                                                   timeout: .seconds(5), stop: { acked.killed }) { status in
            if (200..<300).contains(status) { acked.add() }
        }
        try await killer.value
        let acknowledged = firstReplies.filter { (200..<300).contains($0.value) }.count
        #expect(acknowledged >= 700 && acknowledged < deliveries.count, "killed part-way (\(acknowledged) of \(deliveries.count) acknowledged)")
        // An acknowledgement means the delivery was committed: all of them are stored at the kill.
        let atKill = try await WebhookSite.statusCounts(made.site)
        #expect(atKill.values.reduce(0, +) >= acknowledged, "every acknowledged delivery is stored at the kill: \(atKill)")

        // Second run: GitHub's "redeliver" for every POST that got no 2xx (lost answers included).
        let second = try SidecarProcess(bench: bench, port: try EndToEnd.freePort(), workers: 4)
        defer { second.terminate() }
        try await second.waitUntilListening()
        let missing = deliveries.filter { !(200..<300).contains(firstReplies[$0.id] ?? 0) }
        let redelivered = await WebhookBatch.post(missing, to: "http://127.0.0.1:\(second.port)", site: siteName, window: 16) { _ in }
        #expect(redelivered.values.allSatisfy { $0 == 202 || $0 == 200 }, "every redelivery is stored or already there")
        try await WebhookSite.waitUntilDrained(made.site, timeout: .seconds(180))

        try await WebhookBatch.expectAppliedExactlyOnce(deliveries, repository: repo, site: made.site)
    }

    @Test("two sidecar processes drain one site's queue of 500: each delivery applied once, on the first attempt")
    func twoProcessesShareAQueue() async throws {
        let (made, bench) = try await WebhookSite.make("webhooks-pair")
        let repo = TestRepository.make()
        try await repo.track(on: made.site)
        let deliveries = try WebhookBatch.make(count: 500, repository: repo)
        let siteName = made.result.config.site

        // Stored by a receive-only process, so the whole queue is waiting when the workers start.
        let receiver = try SidecarProcess(bench: bench, port: try EndToEnd.freePort(), workers: 0)
        try await receiver.waitUntilListening()
        let stored = await WebhookBatch.post(deliveries, to: "http://127.0.0.1:\(receiver.port)", site: siteName, window: 16) { _ in }
        receiver.terminate()
        #expect(stored.values.allSatisfy { $0 == 202 }, "all 500 stored")
        #expect(try await WebhookSite.statusCounts(made.site) == ["Queued": 500])

        let a = try SidecarProcess(bench: bench, port: try EndToEnd.freePort(), workers: 3)
        let b = try SidecarProcess(bench: bench, port: try EndToEnd.freePort(), workers: 3)
        defer { a.terminate(); b.terminate() }
        try await WebhookSite.waitUntilDrained(made.site, timeout: .seconds(120))
        #expect(a.process.isRunning && b.process.isRunning, "both processes stayed up while the queue drained")

        try await WebhookBatch.expectAppliedExactlyOnce(deliveries, repository: repo, site: made.site)
    }
}

final class AckCounter: Sendable {
    private let value = Atomic<Int>(0)
    private let dead = Atomic<Bool>(false)
    var count: Int { value.load(ordering: .relaxed) }
    var killed: Bool { dead.load(ordering: .acquiring) }
    func add() { value.add(1, ordering: .relaxed) }
    func markKilled() { dead.store(true, ordering: .releasing) }
}

/// A dedicated site with the bridge installed and the test secret set, on a bench of its own that
/// holds only this site, so a sidecar process's workers touch nothing else.
enum WebhookSite {
    static func make(_ name: String) async throws -> (TestSite.Made, URL) {
        // A bench of its own: sidecars other suites start on the shared bench must not drain this queue.
        let made = try await TestSite.dedicated(name, ownBench: true)
        _ = try await Install.run(site: made.site, user: "Administrator")
        try await made.site.write(user: "Administrator") { try $0.setSingle("GitHub Settings", ["webhook_secret": .string(WebhookHarness.secret)]) }
        return (made, made.bench)
    }

    /// Deliveries by status (the site's queue holds only the test's deliveries).
    static func statusCounts(_ site: Site) async throws -> [String: Int] {
        try await site.read { try $0.countBy("GitHub Webhook Delivery", "status") }
    }

    static func waitUntilDrained(_ site: Site, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await site.read({ try $0.count("GitHub Webhook Delivery", where: ["status": .equals("Queued")]) }) == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("the webhook queue did not drain within \(timeout): \(try await statusCounts(site))")
    }
}

/// Valid, distinct deliveries built from the recorded payloads: every fourth one a pull request,
/// the rest issues, each with a number of its own and its own `X-GitHub-Delivery`.
struct WebhookDelivery: Sendable {
    let id: String
    let event: String
    let number: Int
    let body: Data
}

enum WebhookBatch {
    static func make(count: Int, repository repo: TestRepository) throws -> [WebhookDelivery] {
        var issue = try RecordedPayload("issues/opened.json")
        issue.moveRepository(id: repo.id, fullName: repo.fullName)
        var pull = try RecordedPayload("pull_request/opened.json")
        pull.moveRepository(id: repo.id, fullName: repo.fullName)
        return (1...count).map { n in
            if n % 4 == 0 {
                pull.set(["number"], n)
                pull.set(["pull_request", "number"], n)
                pull.set(["pull_request", "id"], 500_000_000 + n)
                return WebhookDelivery(id: UUID().uuidString, event: "pull_request", number: n, body: pull.data)
            }
            issue.set(["issue", "number"], n)
            issue.set(["issue", "id"], 400_000_000 + n)
            return WebhookDelivery(id: UUID().uuidString, event: "issues", number: n, body: issue.data)
        }
    }

    /// Posts every delivery, signed, at most `window` at a time; the HTTP status by delivery id
    /// (absent when the POST got no answer: connection refused or reset).
    ///
    /// `stop` is asked before each POST: once it says so, the rest are not sent (a dead server
    /// would only make the client retry its connection until `timeout`).
    static func post(_ deliveries: [WebhookDelivery], to baseURL: String, site: String, window: Int, timeout: TimeAmount = .seconds(60),
                     stop: @escaping @Sendable () -> Bool = { false }, onReply: @escaping @Sendable (Int) -> Void) async -> [String: Int] {
        await withTaskGroup(of: (String, Int?).self) { group in
            var replies: [String: Int] = [:]
            var next = deliveries.makeIterator()
            func add() -> Bool {
                guard let d = next.next() else { return false }
                group.addTask {
                    guard !stop() else { return (d.id, nil) }
                    var request = HTTPClientRequest(url: baseURL + WebhookSubscription.receiverPath)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "X-GitHub-Event", value: d.event)
                    request.headers.add(name: "X-GitHub-Delivery", value: d.id)
                    request.headers.add(name: "X-Frappe-Site-Name", value: site)
                    request.headers.add(name: "X-Hub-Signature-256", value: WebhookVerifier.signature(for: d.body, secret: WebhookHarness.secret))
                    request.body = .bytes(ByteBuffer(data: d.body))
                    guard let response = try? await HTTPClient.shared.execute(request, timeout: timeout),
                          (try? await response.body.collect(upTo: 1 << 20)) != nil else { return (d.id, nil) }
                    let status = Int(response.status.code)
                    onReply(status)
                    return (d.id, status)
                }
                return true
            }
            for _ in 0..<window where add() {}
            while let (id, status) = await group.next() {
                if let status { replies[id] = status }
                _ = add()
            }
            return replies
        }
    }

    /// Every delivery stored once, Applied on its first attempt; exactly one issue or pull request
    /// row per number, with exactly one child row each; no document versioned twice.
    static func expectAppliedExactlyOnce(_ deliveries: [WebhookDelivery], repository repo: TestRepository, site: Site) async throws {
        let issueNumbers = Set(deliveries.filter { $0.event == "issues" }.map(\.number))
        let pullNumbers = Set(deliveries.filter { $0.event == "pull_request" }.map(\.number))
        let ids = deliveries.map(\.id)
        let fullName = repo.fullName
        try await site.read { r in
            let stored = try r.list("GitHub Webhook Delivery", fields: ["name", "status", "attempts"])
            #expect(stored.count == deliveries.count, "every delivery stored once")
            #expect(Set(stored.compactMap { $0["name"].string }) == Set(ids))
            let notApplied = stored.filter { $0["status"].string != "Applied" }
            #expect(notApplied.isEmpty, "all Applied; not: \(notApplied.prefix(3).map { "\($0["name"].string ?? "") \($0["status"].string ?? "")" })")
            let retried = stored.filter { $0["attempts"].int != 1 }
            #expect(retried.isEmpty, "attempts == 1 for every delivery (\(retried.count) others)")

            let issues = try r.list("Repository Issue", where: ["repository": .equals(.string(fullName))], fields: ["issue_number"])
            #expect(issues.count == issueNumbers.count, "one issue row per acknowledged issue number")
            #expect(Set(issues.compactMap { $0["issue_number"].int }) == issueNumbers)
            let pulls = try r.list("Repository Pull Request", where: ["repository": .equals(.string(fullName))], fields: ["pr_number"])
            #expect(pulls.count == pullNumbers.count, "one pull request row per acknowledged pull request number")
            #expect(Set(pulls.compactMap { $0["pr_number"].int }) == pullNumbers)

            let assignees = try r.conn.query("""
                SELECT COUNT(*) AS n, COUNT(DISTINCT parent) AS parents FROM `tabRepository Issue Assignee`
                WHERE parenttype = 'Repository Issue' AND parent LIKE ?
                """, [.string(fullName + "-#%")])
            #expect(assignees.first?["n"].int == issueNumbers.count, "one assignee row per issue, none doubled")
            #expect(assignees.first?["parents"].int == issueNumbers.count)
            let reviewers = try r.conn.query("""
                SELECT COUNT(*) AS n FROM `tabRepository PR Reviewer` WHERE parenttype = 'Repository Pull Request' AND parent LIKE ?
                """, [.string(fullName + "-#%")])
            #expect(reviewers.first?["n"].int == pullNumbers.count, "one reviewer row per pull request, none doubled")
            let versionedTwice = try r.conn.query("""
                SELECT docname FROM `tabVersion` WHERE ref_doctype IN ('Repository Issue', 'Repository Pull Request') AND docname LIKE ?
                GROUP BY ref_doctype, docname HAVING COUNT(*) > 1 LIMIT 5
                """, [.string(fullName + "-#%")])
            #expect(versionedTwice.isEmpty, "no Version row doubled: \(versionedTwice.compactMap { $0["docname"].string })")
        }
    }
}
