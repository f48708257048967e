import Foundation
import Frappe
import Logging
import Synchronization

/// Ends a GitHub Sync Run that failed (or queues its job again), even when the failure was the database itself.
///
/// A sync cut by a database restart cannot record its own end at that moment: the write fails as
/// the sync did. Instead of leaving the run "Running" with no error, the closing write is tried
/// again with backoff until the database answers, so the run ends Failed with the reason as soon
/// as the database is back. (A run whose process died is closed by the next sync of the repository,
/// which holds the repository's lock, or by ``SyncJobs/recover(site:)``.)
enum SyncRunCloser {
    /// How long the closing write keeps being retried after the first attempt failed.
    static let retryFor: Duration = .seconds(3600)

    /// Runs this process is still closing, by site and name. Their repository's lock is free
    /// (the database dropped it with the session), so recovery must leave them alone: it would
    /// queue them again as "interrupted" and lose the reason the closer is waiting to write.
    private static let closing = Mutex<Set<String>>([])

    static func isClosing(_ run: String, site: Site) -> Bool {
        closing.withLock { $0.contains(key(run, site)) }
    }

    static func close(_ run: String, values: [String: FrappeValue], site: Site, user: String,
                      logger: Logger = Logger(label: "sync-run")) async {
        let key = key(run, site)
        closing.withLock { _ = $0.insert(key) }
        if await attempt(run, values, site, user) {
            closing.withLock { _ = $0.remove(key) }
            return
        }
        logger.warning("sync run \(run) could not be closed yet (the database is unavailable); retrying until it is back")
        Task.detached {
            defer { closing.withLock { _ = $0.remove(key) } }
            let clock = ContinuousClock()
            let deadline = clock.now + retryFor
            var delay = Duration.milliseconds(250)
            while clock.now < deadline {
                try? await Task.sleep(for: delay)
                if await attempt(run, values, site, user) { return }
                delay = min(delay * 2, .seconds(5))
            }
            logger.error("sync run \(run) stayed Running: the database did not come back within \(retryFor)")
        }
    }

    private static func key(_ run: String, _ site: Site) -> String { site.name + "\u{0}" + run }

    /// True when the run is closed, or can never be (it is gone, or was closed by someone else).
    private static func attempt(_ run: String, _ values: [String: FrappeValue], _ site: Site, _ user: String) async -> Bool {
        do {
            try await site.write(user: user) { w in
                guard let stored = try w.get("GitHub Sync Run", run, forUpdate: true),
                      stored["status"].string == SyncRunStatus.running.rawValue else { return }
                var closing = values
                // A job queued again has not finished.
                if closing["status"]?.string != SyncRunStatus.queued.rawValue { closing["finished_at"] = .datetime(w.now()) }
                try w.update(Document("GitHub Sync Run", name: run, closing))
            }
            return true
        } catch let error as FrappeError where error.type != .internalError && error.type != .serviceUnavailable {
            return true
        } catch {
            return false
        }
    }
}
