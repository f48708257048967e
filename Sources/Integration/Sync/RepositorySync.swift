import Crypto
import Foundation
import Frappe
import GitHub
import Metrics

/// What one sync did, returned by `sync_repo` and kept in a GitHub Sync Run row.
public struct SyncSummary: Sendable, Equatable {
    public var repository = ""
    public var calls = 0
    public var notModified = 0
    public var graphQL = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var deleted = 0
    /// Items GitHub sent that the mirror already holds in a newer version (a webhook got there first).
    public var older = 0
    /// Items that could not be stored, each with its reason; every other item was.
    public var skipped: [UpsertSummary.Skipped] = []

    public init() {}

    public var json: JSONValue {
        var out: [String: JSONValue] = ["repository": .string(repository)]
        let counts: [(String, Int)] = [("github_calls", calls), ("not_modified", notModified), ("graphql_calls", graphQL),
                                       ("rows_inserted", inserted), ("rows_updated", updated), ("rows_unchanged", unchanged),
                                       ("rows_deleted", deleted), ("rows_older", older), ("rows_skipped", skipped.count)]
        for (key, value) in counts { out[key] = .number(Double(value)) }
        out["skipped"] = .array(skipped.map { .object(["name": .string($0.name), "reason": .string($0.reason)]) })
        return .object(out)
    }

    /// The skipped items as the Sync Run keeps them: one line each.
    var skippedText: String? {
        skipped.isEmpty ? nil : skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "\n")
    }

    mutating func add(_ s: UpsertSummary) {
        inserted += s.inserted
        updated += s.updated
        unchanged += s.unchanged
        older += s.older
        skipped += s.skipped
    }
}

/// Mirrors one repository: the repository, its branches (head commit dates by GraphQL, only when
/// the branch list changed), collaborators, issues and pull requests.
///
/// Every list is conditional, with validators stored only after the rows they describe have
/// committed. Issues and pull requests are walked newest-first on a fixed URL and the walk stops
/// at the cursor of the last complete walk, so a re-sync with nothing changed is one 304 per list
/// (a moving `since=` would change the URL and defeat the ETag). A walk that was cut short
/// (process killed) is marked pending, and the next run walks past 304 pages until it reaches
/// the old cursor again: nothing is skipped.
public struct RepositorySync: Sendable {
    public enum Trigger: String, Sendable, CaseIterable { case manual = "Manual", scheduler = "Scheduler", webhook = "Webhook", syncAll = "Sync All" }

    let site: Site
    let client: GitHubClient
    let repository: String
    let trigger: Trigger
    let user: String
    /// Called after each write (the repository part, each page of issues and pull requests).
    let progress: @Sendable (SyncProgress) async -> Void

    public init(site: Site, client: GitHubClient, repository: String, trigger: Trigger, user: String,
                progress: @escaping @Sendable (SyncProgress) async -> Void = { _ in }) {
        self.site = site
        self.client = client
        self.repository = repository
        self.trigger = trigger
        self.user = user
        self.progress = progress
    }

    /// Runs the sync now, in its own GitHub Sync Run row, while holding the repository's named
    /// lock (one sync per repository at a time across sidecar processes). A second caller is told
    /// so. Desk requests queue a job instead (``SyncJobs``); this is for jobs' callers and tools.
    public func run() async throws -> SyncSummary {
        guard let outcome = try await locked({ try await $0.recorded(job: nil) }), let summary = outcome else {
            throw FrappeError(.validationError, "A sync of \(repository) is already running; try again when it has finished",
                              cause: .syncAlreadyRunning)
        }
        return summary
    }

    /// Runs queued job `job` (a GitHub Sync Run row). nil when another sync of the repository holds
    /// its lock (the job stays queued) or the job is no longer queued (someone else ran it).
    func run(job: String) async throws -> SyncSummary? {
        try await locked { try await $0.recorded(job: job) } ?? nil
    }

    /// `body` under the repository's named lock, with the repository's stored spelling (GitHub
    /// names ignore case: `ACME/WIDGETS` is the stored `acme/widgets`, and everything the sync
    /// writes uses it). nil when the lock is held elsewhere.
    func locked<T: Sendable>(_ body: (RepositorySync) async throws -> T) async throws -> T? {
        let name = try await StoredRepository.name(repository, site: site)
        let sync = RepositorySync(site: site, client: client, repository: name, trigger: trigger, user: user, progress: progress)
        return try await site.withNamedLock(Self.lockName(site: site, repository: name)) { try await body(sync) }
    }

    /// The named lock of one repository of one site (held for the whole sync).
    static func lockName(site: Site, repository: String) -> String {
        "ghsync:" + SHA256.hash(data: Data("\(site.config.dbName)|\(repository.lowercased())".utf8)).prefix(20)
            .map { String(format: "%02x", $0) }.joined()
    }

    /// The sync inside a GitHub Sync Run row: Running, then Succeeded, or Failed (or, for a job,
    /// queued again when ``JobRetry`` says trying later can help) with the counts.
    func recorded(job: String?) async throws -> SyncSummary? {
        let (trigger, repository, user) = (self.trigger, self.repository, self.user)
        let started = try await site.write(user: user) { w -> (run: String, attempts: Int)? in
            guard try w.get("Repository", repository) != nil else { throw FrappeError.notFound("Repository \(repository) not found") }
            // We hold the repository's lock, so a run still marked Running belongs to a process that died: queued again.
            for stale in try w.list("GitHub Sync Run", where: ["repository": .equals(.string(repository)), "status": .equals(SyncRunStatus.running.value)]) {
                guard let name = stale["name"].string, name != job else { continue }
                try w.update(Document("GitHub Sync Run", name: name, SyncJobs.requeued(at: w.now(), reason: SyncJobs.interrupted)))
            }
            let now = w.now()
            guard let job else {
                let run = try w.insert(Document("GitHub Sync Run", ["trigger": .string(trigger.rawValue), "repository": .string(repository),
                                                                    "user": .string(user), "status": SyncRunStatus.running.value,
                                                                    "started_at": .datetime(now), "attempts": .int(1)])).name ?? ""
                return (run, 1)
            }
            // Still queued and due: a runner that read the job before another ran it (and queued it
            // again for later) must not run it early.
            return try SyncJobs.markRunning(job, w).map { (job, $0) }
        }
        guard let (run, attempts) = started else { return nil }
        let counter = RequestCounter()
        var summary = SyncSummary()
        summary.repository = repository
        do {
            try await sync(client.counting(into: counter), into: &summary)
        } catch {
            let snapshot = counter.snapshot
            await record(snapshot, succeeded: false)
            var values: [String: FrappeValue] = ["github_calls": .int(snapshot.requests), "not_modified": .int(snapshot.notModified),
                                                 "graphql_calls": .int(snapshot.graphQL), "rows_inserted": .int(summary.inserted),
                                                 "rows_updated": .int(summary.updated)]
            let ending = job == nil ? SyncJobs.failed(FrappeError(github: error)) : SyncJobs.ending(error, attempts: attempts, clock: site.clock)
            values.merge(ending) { _, new in new }
            await SyncRunCloser.close(run, values: values, site: site, user: user)
            throw error
        }
        let snapshot = counter.snapshot
        await record(snapshot, succeeded: true)
        summary.calls = snapshot.requests
        summary.notModified = snapshot.notModified
        summary.graphQL = snapshot.graphQL
        let final = summary
        try await site.write(user: user) { w in
            try w.update(Document("GitHub Sync Run", name: run, [
                "status": SyncRunStatus.succeeded.value, "finished_at": .datetime(w.now()), "github_calls": .int(final.calls),
                "not_modified": .int(final.notModified), "graphql_calls": .int(final.graphQL), "rows_inserted": .int(final.inserted),
                "rows_updated": .int(final.updated), "rows_deleted": .int(final.deleted), "rows_skipped": .int(final.skipped.count),
                // `error` is left as it is: why an earlier attempt failed stays on the record.
                "skipped": .optional(final.skippedText), "progress": .int(100),
                "result": .string(final.json.pythonJSON())]))
        }
        return summary
    }

    /// GitHub calls by outcome, sync runs by status, and the token's remaining budget, for `/metrics`.
    func record(_ counts: RequestCounter.Counts, succeeded: Bool) async {
        Counter(label: "sidecar_github_requests_total", dimensions: [("result", "not_modified")]).increment(by: counts.notModified)
        Counter(label: "sidecar_github_requests_total", dimensions: [("result", "fetched")])
            .increment(by: max(0, counts.requests - counts.notModified - counts.graphQL))
        Counter(label: "sidecar_github_requests_total", dimensions: [("result", "graphql")]).increment(by: counts.graphQL)
        Counter(label: "sidecar_sync_runs_total", dimensions: [("status", succeeded ? "succeeded" : "failed")]).increment()
        if let limit = await client.rateLimit(resource: "core") {
            Gauge(label: "sidecar_github_rate_limit_remaining", dimensions: [("site", site.name), ("resource", "core")])
                .record(limit.remaining)
        }
    }
}
