import Foundation
import Frappe

/// What a desk call that queued a job answers: the job's own result when it finishes within the
/// wait, else at once the Sync Run's name and `"queued": true` (the job goes on either way).
enum JobAnswer {
    /// Waits up to `bound` for job `name` to finish. Succeeded: its result (what the call has
    /// always answered). Failed: its Frappe error, thrown — or, for a job that ran to the end with
    /// items that failed (a template sync with broken files), its result, which lists them.
    /// Still queued or running, or queued again to be tried later: the queued answer, with the
    /// reason in `note`.
    static func wait(for job: SyncJobs.Queued, site: Site, bound: Duration) async throws -> JSONValue {
        let clock = ContinuousClock()
        let deadline = clock.now + bound
        var pause = Duration.milliseconds(20)
        while true {
            let row = try await site.read { r in try r.get(SyncJobs.doctype, job.name) }
            guard let row else { throw FrappeError.notFound("GitHub Sync Run \(job.name) not found") }
            let status = SyncRunStatus(rawValue: row["status"].string ?? "")
            let result = row["result"].string.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            switch status {
            case .succeeded?:
                return result ?? .object(["repository": .string(job.repository), "sync_run": .string(job.name)])
            case .failed?:
                if let result, result["exc_type"] == nil, result.object != nil { return result }
                let type = result?["exc_type"]?.stringValue.flatMap(FrappeExceptionType.init(rawValue:)) ?? .validationError
                throw FrappeError(type, result?["message"]?.stringValue ?? row["error"].string ?? "\(job.kind.subject(job.repository)) failed")
            default:
                // A job queued again after a failed attempt (or for a rate-limit reset) waits
                // longer than a desk should: say so now.
                let waitingAgain = status == .queued && !(row["error"].string ?? "").isEmpty
                guard !waitingAgain, clock.now + pause < deadline else { return queued(job, row: row) }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(250))
            }
        }
    }

    static func queued(_ job: SyncJobs.Queued, row: Document) -> JSONValue {
        let status = row["status"].string ?? SyncRunStatus.queued.rawValue
        var out: [String: JSONValue] = [
            "queued": .bool(true), "sync_run": .string(job.name), "repository": .string(job.repository), "status": .string(status),
            "progress": .number(Double(row["progress"].int ?? 0)),
            "job_type": .string(job.kind.rawValue),
            "message": .string("\(job.kind.subject(job.repository)) goes on in the background; follow it in GitHub Sync Run \(job.name)"),
        ]
        if let note = row["error"].string, !note.isEmpty { out["note"] = .string(note) }
        return .object(out)
    }
}
