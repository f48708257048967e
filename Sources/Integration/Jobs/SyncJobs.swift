import Foundation
import Frappe
import GitHub
import Logging

/// Repository syncs as durable jobs: each is a GitHub Sync Run row (ARCHITECTURE §3.5a).
///
/// A job is Queued with a due time (`next_attempt_at`), Running while a process holds the
/// repository's named lock and syncs, then Succeeded or Failed, or Queued again for later when
/// ``JobRetry`` says waiting helps. Every step is a committed row, so a job outlives the process
/// that queued or ran it: a Running job whose repository lock is free belongs to a process that
/// died and is queued again (``recover(site:)``); the lock is what keeps one repository to one
/// sync at a time across processes.
public enum SyncJobs {
    static let doctype = "GitHub Sync Run"
    static let interrupted = "Interrupted: the process ended before the sync finished; queued again"
    static let logger = Logger(label: "github-sidecar.jobs")

    /// A job as a desk call learns about it.
    public struct Queued: Sendable, Equatable {
        public var name: String
        public var repository: String
        /// False when the same job was already waiting: that one is the answer.
        public var created: Bool
        public var kind: JobKind = .repositorySync
    }

    /// Whether the site's GitHub Sync Run has `job_type` and `arguments` (a bridge migrated to
    /// this version); before that every row is a repository sync.
    static func hasJobTypes(_ r: DocumentReader) throws -> Bool {
        let meta = try r.meta(doctype)
        return meta.field("job_type") != nil && meta.field("arguments") != nil
    }

    /// The fields a runner reads of a job: those of every kind the site's meta has.
    static func jobFields(_ r: DocumentReader, _ base: [String]) throws -> [String] {
        try hasJobTypes(r) ? base + ["job_type", "arguments", "template_repository"] : base
    }

    /// The named lock job `job` runs under (its repository's, or the site's template lock).
    static func lockName(_ job: Document, site: Site) -> String? {
        let kind = JobKind(stored: job["job_type"].string)
        guard let target = (kind == .templateSync ? job["template_repository"] : job["repository"]).string, !target.isEmpty else { return nil }
        return ActionJobs.lockName(kind, target: target, site: site)
    }

    // MARK: Queueing

    /// Queues a sync of `repository` (any spelling of a stored Repository). A sync of it that is
    /// already queued and not yet started is reused: it will see every change this one would.
    public static func enqueue(_ repository: String, trigger: RepositorySync.Trigger, user: String, site: Site) async throws -> Queued {
        try await site.write(user: user) { w in try enqueue(repository, trigger: trigger, user: user, w) }
    }

    /// Queues a sync of every enabled Repository in one transaction.
    public static func enqueueAll(trigger: RepositorySync.Trigger, user: String, site: Site) async throws -> [Queued] {
        try await site.write(user: user) { w in
            try w.list("Repository", where: ["enabled": .equals(.int(1))], orderBy: "name").compactMap { $0.name }
                .map { try enqueue($0, trigger: trigger, user: user, w) }
        }
    }

    static func enqueue(_ repository: String, trigger: RepositorySync.Trigger, user: String, _ w: DocumentWriter) throws -> Queued {
        // The Repository row locked: two callers queueing at once see each other's job.
        let name = try StoredRepository.name(repository, w, lock: .forUpdate)
        if let waiting = try w.list(doctype, where: ["repository": .equals(.string(name)), "status": .equals(SyncRunStatus.queued.value)],
                                    fields: ["name"], orderBy: "next_attempt_at", limit: 1).first?.name {
            return Queued(name: waiting, repository: name, created: false)
        }
        let run = try w.insert(Document(doctype, ["trigger": .string(trigger.rawValue), "repository": .string(name), "user": .string(user),
                                                  "status": SyncRunStatus.queued.value, "attempts": .int(0), "progress": .int(0),
                                                  "next_attempt_at": .datetime(w.now())]))
        return Queued(name: run.name ?? "", repository: name, created: true)
    }

    /// Whether a queued job's `next_attempt_at` has come.
    static func isDue(_ next: FrappeValue, now: NaiveDateTime) -> Bool {
        guard let at = next.datetime ?? next.string.flatMap(NaiveDateTime.init) else { return true }
        return at <= now
    }

    /// The row values of a job queued again for `at`, with why.
    static func requeued(at: NaiveDateTime, reason: String) -> [String: FrappeValue] {
        ["status": SyncRunStatus.queued.value, "next_attempt_at": .datetime(at), "error": .string(reason)]
    }

    /// Job `name` from Queued to Running, one attempt more; nil when it is no longer queued and
    /// due (another runner took it, or it was queued again for later after this one read it).
    static func markRunning(_ name: String, _ w: DocumentWriter) throws -> Int? {
        let now = w.now()
        guard let row = try w.get(doctype, name, forUpdate: true), row["status"].string == SyncRunStatus.queued.rawValue,
              isDue(row["next_attempt_at"], now: now) else { return nil }
        let attempts = (row["attempts"].int ?? 0) + 1
        try w.update(Document(doctype, name: name, ["status": SyncRunStatus.running.value, "started_at": .datetime(now),
                                                    "attempts": .int(attempts), "next_attempt_at": .null, "progress": .int(0)]))
        return attempts
    }

    /// The row values that end attempt `attempts` of a job that threw: queued again, or Failed.
    static func ending(_ error: Error, attempts: Int, clock: SiteClock) -> [String: FrappeValue] {
        switch JobRetry.decide(error, attempts: attempts) {
        case .retry(let at, let reason, let counts):
            var values = requeued(at: clock.local(at), reason: reason)
            if !counts { values["attempts"] = .int(attempts - 1) }
            return values
        case .fail(let failure):
            return failed(failure)
        }
    }

    /// The row values of a job that failed for good; `result` keeps the Frappe error it answers with.
    static func failed(_ failure: FrappeError) -> [String: FrappeValue] {
        let result: JSONValue = .object(["exc_type": .string(failure.type.rawValue), "message": .string(failure.message)])
        return ["status": SyncRunStatus.failed.value, "next_attempt_at": .null, "error": .string(failure.message),
                "result": .string(result.pythonJSON())]
    }

    // MARK: Running

    /// Runs one due job of `site`, if one can run now: true when a job was taken (whatever its
    /// outcome), false when none is due or every due one's repository is being synced elsewhere.
    static func runNext(site: Site, environment: JobEnvironment) async -> Bool {
        let due: [Document]
        do {
            due = try await site.read { r in
                try r.list(doctype, where: ["status": .equals(SyncRunStatus.queued.value), "next_attempt_at": .atMost(.datetime(site.clock.now()))],
                           fields: try jobFields(r, ["name", "repository", "trigger", "user", "attempts"]), orderBy: "next_attempt_at", limit: 20)
            }
        } catch {
            logger.warning("jobs of \(site.name) could not be read: \(FrappeError(github: error).message)")
            return false
        }
        for job in due {
            let kind = JobKind(stored: job["job_type"].string)
            guard kind == .repositorySync else {
                if await ActionJobs.run(job, kind: kind, site: site, environment: environment) { return true }
                continue
            }
            guard let name = job.name, let repository = job["repository"].string else { continue }
            let user = job["user"].string.flatMap { $0.isEmpty ? nil : $0 } ?? "Administrator"
            let trigger = RepositorySync.Trigger(rawValue: job["trigger"].string ?? "") ?? .manual
            let reporter = JobProgress(site: site, run: name, repository: repository, user: user)
            do {
                let sync = RepositorySync(site: site, client: try await environment.client(site), repository: repository, trigger: trigger, user: user,
                                          progress: { await reporter.report($0) })
                guard let summary = try await sync.run(job: name) else { continue }   // its repository is busy: try the next
                await reporter.finished(summary)
            } catch {
                // A run that started recorded its own failure; a job that never started (no token,
                // repository gone) is recorded here, so it does not wait forever.
                await endIfNeverStarted(name, error, attempts: job["attempts"].int ?? 0, site: site, user: user)
                await reporter.failed(error)
            }
            return true
        }
        return false
    }

    /// A job still Queued with the attempts it had before its run threw never got to run: record
    /// the outcome as a run would. (A run that started counted its attempt and recorded itself.)
    static func endIfNeverStarted(_ name: String, _ error: Error, attempts before: Int, site: Site, user: String) async {
        do {
            try await site.write(user: user) { w in
                guard let row = try w.get(doctype, name, forUpdate: true), row["status"].string == SyncRunStatus.queued.rawValue,
                      (row["attempts"].int ?? 0) == before else { return }
                let attempts = (row["attempts"].int ?? 0) + 1
                var values: [String: FrappeValue] = ["attempts": .int(attempts)]
                switch JobRetry.decide(error, attempts: attempts) {
                case .retry(let at, let reason, let counts):
                    values.merge(requeued(at: w.clock.local(at), reason: reason)) { _, new in new }
                    if !counts { values["attempts"] = .int(attempts - 1) }
                case .fail(let failure):
                    values.merge(failed(failure)) { _, new in new }
                    values["finished_at"] = .datetime(w.now())
                }
                try w.update(Document(doctype, name: name, values))
            }
        } catch {
            logger.warning("job \(name) of \(site.name) could not be recorded: \(FrappeError(github: error).message)")
        }
    }

    /// Queues again every Running job whose process is gone (its repository's lock is free).
    /// Returns how many.
    @discardableResult
    static func recover(site: Site) async throws -> Int {
        let running = try await site.read { r in
            try r.list(doctype, where: ["status": .equals(SyncRunStatus.running.value)], fields: try jobFields(r, ["name", "repository"]))
        }
        var recovered = 0
        for job in running {
            // A template sync the App ran from its own queue records a finished row only; one
            // without a lock target was never a job of this queue.
            guard let name = job.name, let lock = lockName(job, site: site),
                  !SyncRunCloser.isClosing(name, site: site) else { continue }
            let target = job["repository"].string ?? job["template_repository"].string ?? ""
            let done = try await site.withNamedLock(lock) {
                try await site.write(user: "Administrator") { w -> Bool in
                    guard let row = try w.get(doctype, name, forUpdate: true), row["status"].string == SyncRunStatus.running.rawValue else { return false }
                    try w.update(Document(doctype, name: name, requeued(at: w.now(), reason: interrupted)))
                    return true
                }
            }
            if done == true {
                recovered += 1
                logger.notice("job \(name) (\(target)) on \(site.name) was interrupted by a process that ended; queued again")
            }
        }
        return recovered
    }
}
