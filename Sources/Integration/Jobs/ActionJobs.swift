import Crypto
import Foundation
import Frappe
import GitHub

/// Bulk imports, bulk creates and template syncs as jobs on the GitHub Sync Run queue.
///
/// They follow the queue's rules (``SyncJobs``): queued with a due time, Running while this
/// process holds the job's named lock, then Succeeded with the call's answer in `result` (what
/// the desk is shown, however long it waited), or queued again or Failed as ``JobRetry`` says.
/// Bulk work takes its repository's lock, so it never overlaps a sync of that repository; a
/// template sync takes the site's template lock. Running one again after a crash is safe: an
/// import writes the same rows again, a bulk create finds the issues it made (``CreateOnce``).
enum ActionJobs {
    /// Queues `kind` for `target` (a stored Repository, or the App's template repository) with
    /// the call's `arguments`. The same job with the same arguments already waiting is reused.
    static func enqueue(_ kind: JobKind, target: String, arguments: JSONValue, trigger: String, user: String,
                        site: Site) async throws -> SyncJobs.Queued {
        try await site.write(user: user) { w in
            guard try SyncJobs.hasJobTypes(w) else {
                throw FrappeError.validation("GitHub Sync Run has no Job Type field yet: run bench migrate (or github-sidecar install) so long work can run as a job")
            }
            let targetField = kind == .templateSync ? "template_repository" : "repository"
            let stored = kind == .templateSync ? target : try StoredRepository.name(target, w, lock: .forUpdate)
            let text = arguments.pythonJSON()
            let waiting = try w.list(SyncJobs.doctype, where: [targetField: .equals(.string(stored)), "job_type": .equals(.string(kind.rawValue)),
                                                               "status": .equals(SyncRunStatus.queued.value)],
                                     fields: ["name", "arguments"], orderBy: "next_attempt_at")
            if let same = waiting.first(where: { $0["arguments"].text == text })?.name {
                return SyncJobs.Queued(name: same, repository: stored, created: false, kind: kind)
            }
            let run = try w.insert(Document(SyncJobs.doctype, [
                "job_type": .string(kind.rawValue), targetField: .string(stored), "arguments": .string(text),
                "trigger": .string(trigger), "user": .string(user), "status": SyncRunStatus.queued.value,
                "attempts": .int(0), "progress": .int(0), "next_attempt_at": .datetime(w.now()),
            ]))
            return SyncJobs.Queued(name: run.name ?? "", repository: stored, created: true, kind: kind)
        }
    }

    /// The named lock a job of `kind` runs under.
    static func lockName(_ kind: JobKind, target: String, site: Site) -> String {
        guard kind == .templateSync else { return RepositorySync.lockName(site: site, repository: target) }
        return "ghtpl:" + SHA256.hash(data: Data(site.config.dbName.utf8)).prefix(20).map { String(format: "%02x", $0) }.joined()
    }

    /// Runs job `job` (a row read by ``SyncJobs/runNext(site:environment:)``). False when its
    /// lock is held elsewhere or another runner took it first.
    static func run(_ job: Document, kind: JobKind, site: Site, environment: JobEnvironment) async -> Bool {
        guard let name = job.name, let target = (kind == .templateSync ? job["template_repository"] : job["repository"]).string else { return false }
        let user = job["user"].string.flatMap { $0.isEmpty ? nil : $0 } ?? "Administrator"
        let arguments = job["arguments"].text.flatMap { try? JSONValue.decode(Data($0.utf8)) } ?? .object([:])
        let title = kind.subject(target)
        do {
            let taken = try await site.withNamedLock(lockName(kind, target: target, site: site)) { () -> Bool in
                guard let attempts = try await start(name, site: site, user: user) else { return false }
                await site.publish([.progress(percent: 0, title: title, description: "Started (GitHub Sync Run \(name))", user: user)])
                do {
                    let answer = try await perform(kind, target: target, arguments: arguments, run: name, site: site, environment: environment, user: user)
                    if let answer { try await finish(name, answer: answer, site: site, user: user) }
                    await site.publish([.progress(percent: 100, title: title, description: "Done (GitHub Sync Run \(name))", user: user)])
                } catch {
                    await close(name, error, attempts: attempts, site: site, user: user)
                    await site.publish([.progress(percent: 100, title: title, description: "Stopped: \(FrappeError(github: error).message)", user: user)])
                }
                return true
            }
            return taken ?? false
        } catch {
            SyncJobs.logger.warning("job \(name) of \(site.name) could not start: \(FrappeError(github: error).message)")
            return false
        }
    }

    /// Queued and due → Running, one attempt more. nil when it is not (another runner took it,
    /// or it was queued again for later after this runner read it).
    static func start(_ name: String, site: Site, user: String) async throws -> Int? {
        try await site.write(user: user) { w in try SyncJobs.markRunning(name, w) }
    }

    /// The work itself: the answer to record, or nil when the work recorded its own end (a
    /// template sync closes its row in the transaction that applies the files).
    static func perform(_ kind: JobKind, target: String, arguments: JSONValue, run: String, site: Site, environment: JobEnvironment,
                        user: String) async throws -> JSONValue? {
        switch kind {
        case .bulkImport:
            guard let type = arguments["import_type"]?.stringValue, let importKind = BulkImport.Kind(rawValue: type) else {
                throw FrappeError.validation("import_type must be issues or pull_requests")
            }
            return try await BulkImport(site: site, client: environment.client(site), user: user)
                .run(repository: target, kind: importKind, forceUpdate: arguments["force_update"]?.boolValue ?? false)
        case .bulkCreate:
            let items = arguments["issues"]?.array ?? []
            let since = arguments["sent_since"]?.intValue.map { Date(timeIntervalSince1970: Double($0)) }
            return try await IssueActions(site: site, client: environment.client(site), user: user)
                .bulkCreate(repository: target, items: items, previousAttemptSince: since)
        case .templateSync:
            guard let app = environment.app else {
                throw FrappeError.validation("The GitHub App is not configured on this bench; the template sync cannot run")
            }
            try await app.runTemplateJob(run, site: site, ref: arguments["ref"]?.stringValue, user: user)
            return nil
        case .repositorySync:
            throw FrappeError.validation("A repository sync is not an action job")
        }
    }

    /// Succeeded, with the answer (and its counts where the answer has them).
    static func finish(_ name: String, answer: JSONValue, site: Site, user: String) async throws {
        try await site.write(user: user) { w in
            var values: [String: FrappeValue] = ["status": SyncRunStatus.succeeded.value, "finished_at": .datetime(w.now()), "progress": .int(100),
                                                 "result": .string(answer.pythonJSON())]
            for (field, key) in [("rows_inserted", "imported"), ("rows_inserted", "created"), ("rows_updated", "updated"), ("rows_failed", "errors"),
                                 ("rows_failed", "failed")] {
                if let count = answer[key]?.intValue { values[field] = .int(count) }
            }
            try w.update(Document(SyncJobs.doctype, name: name, values))
        }
    }

    /// A run that threw: queued again or Failed, written even when the database was the failure.
    static func close(_ name: String, _ error: Error, attempts: Int, site: Site, user: String) async {
        await SyncRunCloser.close(name, values: SyncJobs.ending(error, attempts: attempts, clock: site.clock), site: site, user: user)
    }
}
