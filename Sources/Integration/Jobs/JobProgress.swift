import Foundation
import Frappe
import Synchronization

/// A running sync's progress as the desk sees it: Frappe realtime `progress` events for the user
/// who asked (what `frappe.publish_progress` sends; the desk shows a bar and hides it at 100 %),
/// and the Sync Run's `progress` field for whoever opens the list later.
///
/// Events go at most every ``eventSpacing``, the field at most every ``rowSpacing``: a first sync
/// writes hundreds of pages and neither Redis nor the database should see each one.
final class JobProgress: Sendable {
    static let eventSpacing: Duration = .milliseconds(250)
    static let rowSpacing: Duration = .seconds(2)

    private struct State {
        var fractions: [SyncProgress.Stage: Double] = [:]
        var lastEvent: ContinuousClock.Instant?
        var lastRow: ContinuousClock.Instant?
        var percent = 0
    }

    let site: Site
    let run: String
    let repository: String
    let user: String
    private let state = Mutex(State())

    init(site: Site, run: String, repository: String, user: String) {
        self.site = site
        self.run = run
        self.repository = repository
        self.user = user
    }

    var title: String { "Syncing \(repository)" }

    /// The overall percent: the repository part is the first 10 %, issues the next 45, pull
    /// requests 40, the bookkeeping the last 5. Each stage only moves forward, so pages written
    /// out of order never move the bar back.
    static func percent(_ fractions: [SyncProgress.Stage: Double]) -> Int {
        let weights: [SyncProgress.Stage: Double] = [.repository: 10, .issues: 45, .pulls: 40]
        return Int(weights.reduce(0) { $0 + $1.value * (fractions[$1.key] ?? 0) }.rounded(.down))
    }

    func report(_ step: SyncProgress) async {
        let now = ContinuousClock.now
        let (percent, sendEvent, writeRow) = state.withLock { s -> (Int, Bool, Bool) in
            let fraction = step.totalPages.map { $0 > 0 ? min(1, Double(step.pages) / Double($0)) : 1 } ?? 1
            s.fractions[step.stage] = max(s.fractions[step.stage] ?? 0, fraction)
            s.percent = max(s.percent, Self.percent(s.fractions))
            let event = s.lastEvent.map { now - $0 >= Self.eventSpacing } ?? true
            let row = s.lastRow.map { now - $0 >= Self.rowSpacing } ?? true
            if event { s.lastEvent = now }
            if row { s.lastRow = now }
            return (s.percent, event, row)
        }
        let description = step.totalPages.map { "\(Self.label(step.stage)): page \(step.pages) of \($0)" }
            ?? "\(Self.label(step.stage)): \(step.pages) page\(step.pages == 1 ? "" : "s")"
        if sendEvent { await site.publish([.progress(percent: Double(percent), title: title, description: description, user: user)]) }
        if writeRow {
            let run = self.run
            _ = try? await site.write(user: user) { w in
                try w.setValue("GitHub Sync Run", run, "progress", .int(percent), updateModified: false)
            }
        }
    }

    func finished(_ summary: SyncSummary) async {
        let description = "Done: \(summary.inserted) rows inserted, \(summary.updated) updated, \(summary.calls) GitHub calls (\(summary.notModified) not modified)"
        await site.publish([.progress(percent: 100, title: title, description: description, user: user)])
    }

    func failed(_ error: Error) async {
        let description: String
        if case .retry(_, let reason, _) = JobRetry.decide(error, attempts: 1) {
            description = "\(reason); it will be tried again (see GitHub Sync Run \(run))"
        } else {
            description = "Failed: \(FrappeError(github: error).message)"
        }
        await site.publish([.progress(percent: 100, title: title, description: description, user: user)])
    }

    static func label(_ stage: SyncProgress.Stage) -> String {
        switch stage {
        case .repository: return "Repository, branches and collaborators"
        case .issues: return "Issues"
        case .pulls: return "Pull requests"
        }
    }
}
