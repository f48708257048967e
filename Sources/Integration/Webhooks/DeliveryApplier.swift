import Foundation
import Frappe
import GitHub

/// Applies one stored delivery to the site, through the document store, inside the worker's
/// transaction. Handlers never call GitHub: everything comes from the payload, so applying is
/// fast, repeatable, and never waits on the network while holding row locks.
final class DeliveryApplier {

    struct Outcome {
        var status: DeliveryStatus
        var reason: String?
        static let applied = Outcome(status: .applied, reason: nil)
        static func applied(_ note: String) -> Outcome { Outcome(status: .applied, reason: note) }
        static func skipped(_ reason: String) -> Outcome { Outcome(status: .skipped, reason: reason) }
    }

    /// A delivery that can never be applied (no point retrying); recorded as Failed with the reason.
    struct Rejection: Error { let reason: String }

    let w: DocumentWriter
    private var cachedMirror: Mirror?

    init(writer: DocumentWriter) { w = writer }

    /// Mirror with the site's login → user map, built once per delivery and only when needed.
    var mirror: Mirror {
        get throws {
            if let cachedMirror { return cachedMirror }
            let made = Mirror(clock: w.clock, users: try RepositorySync.userMap(w))
            cachedMirror = made
            return made
        }
    }

    func apply(event: String, payload: Data) throws -> Outcome {
        switch try WebhookPayload(event: event, body: payload) {
        case .issues(let e): return try issues(e)
        case .pullRequest(let e): return try pullRequest(e)
        case .pullRequestReview(let e): return try review(e)
        case .push(let e): return try push(e)
        case .create(let e): return try ref(e, created: true)
        case .delete(let e): return try ref(e, created: false)
        case .member(let e): return try member(e)
        case .repository(let e): return try repository(e)
        case .ping(let e):
            return .applied("ping" + (e.hookID.map { " from hook \($0)" } ?? "") + (e.zen.map { ": \(Mirror.shown($0))" } ?? ""))
        case .installation, .installationRepositories:
            return .skipped("GitHub App installation events are handled by the App's endpoint (/github/webhook), not a repository hook")
        case .other(let name, _):
            return .skipped("The \(Mirror.shown(name)) event is not mirrored")
        }
    }

    // MARK: shared rules

    /// The stored Repository a payload is about: by `repository.id` (`github_id`) first, then by
    /// full name (in the stored spelling). Nil when the site does not track it.
    ///
    /// The Repository row stays locked until the delivery commits: shared for deliveries that write
    /// issues and pull requests (they run side by side), exclusive for those that change the
    /// Repository itself. A rename takes it exclusively, so it waits for every write under the old
    /// name to commit, and a write that was waiting for the rename then finds the new name: no row
    /// is ever left pointing at a repository that no longer exists.
    func tracked(_ repo: GitHubRepository, lock: RowLock = .share) throws -> String? {
        if let fullName = repo.fullName, let problem = GitHubNames.problem(withFullName: fullName) {
            throw Rejection(reason: "The payload's repository: \(problem)")
        }
        let byID = try w.list("Repository", where: ["github_id": .equals(.string(String(repo.id)))], fields: ["name"], limit: 1, lock: lock)
        if let name = byID.first?["name"].string { return name }
        guard let fullName = repo.fullName, !fullName.isEmpty else { return nil }
        return try w.list("Repository", where: ["name": .equals(.string(fullName))], fields: ["name"], limit: 1, lock: lock).first?["name"].string
    }

    func untracked(_ repo: GitHubRepository) -> Outcome {
        .skipped("Repository \(Mirror.shown(repo.fullName ?? repo.name)) (id \(repo.id)) is not tracked on this site")
    }

    /// Refuses an issue or pull request whose number, or any text, GitHub could never have sent.
    func requireValid(_ doc: Document, numberField: String) throws {
        if let problem = GitHubNames.problem(with: doc, numberField: numberField) { throw Rejection(reason: problem) }
    }

    /// The ordering guard: a payload whose object is older than the stored one changes nothing.
    /// One without `updated_at` cannot be ordered, so it never overwrites a stored object either.
    func staleness(of incoming: GitHubDate?, against stored: Document?, what: String) throws -> Outcome? {
        guard let stored, case .datetime(let storedAt) = stored["updated_at"] else { return nil }
        guard let incoming, case .datetime(let incomingAt) = try mirror.time(incoming) else {
            return .skipped("The payload's \(what) has no updated_at, so it cannot be ordered against the stored one")
        }
        guard incomingAt < storedAt else { return nil }
        return .skipped("Older than the stored \(what): updated_at \(incomingAt) < \(storedAt)")
    }

    /// Keeps stored values the payload does not carry: a missing key never erases data.
    static func dropMissing(_ doc: inout Document) {
        doc.values = doc.values.filter { !$0.value.isNull }
    }
}
