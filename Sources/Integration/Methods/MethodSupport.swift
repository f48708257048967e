import Foundation
import Frappe
import GitHub

/// What the methods share: one GitHub client per site (one rate-limit budget).
public struct IntegrationContext: Sendable {
    public let github: GitHubConnections
    /// The bench's GitHub App (template sync); nil when `GITHUB_APP_ID` is not set.
    public let app: GitHubAppService?
    /// Runs queued syncs in this process.
    public let jobs: JobRunner
    /// How long a desk call that queued a job (`sync_repo`, bulk import and create, Sync Now)
    /// waits for it before answering "queued" (well below the bridge's 120 s).
    public let syncWait: Duration

    public static let defaultSyncWait: Duration = .seconds(20)

    public init(github: GitHubConnections = GitHubConnections(), app: GitHubAppService? = nil, jobConcurrency: Int = 3,
                syncWait: Duration = IntegrationContext.defaultSyncWait) {
        self.github = github
        self.app = app
        self.syncWait = syncWait
        self.jobs = JobRunner(concurrency: jobConcurrency, environment: JobEnvironment(app: app) { site in
            try await github.client(for: site).with(rateLimitPolicy: .failFast)
        })
    }

    /// The site's client for a desk request: never sleeps for a rate limit, answers 429 instead.
    func deskClient(_ site: Site) async throws -> GitHubClient {
        try await github.client(for: site).with(rateLimitPolicy: .failFast)
    }
}

/// `owner/repo` split, refusing anything else with Frappe's 417.
func ownerRepo(_ fullName: String) throws -> (String, String) {
    let parts = fullName.split(separator: "/", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw FrappeError.validation("Repository must be owner/repo, not \(fullName)") }
    return (parts[0], parts[1])
}

/// Runs a GitHub call, turning its errors into Frappe's (429 with the reset time, and so on).
func github<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch { throw FrappeError(github: error) }
}

extension IntegrationContext {
    /// Queues `kind` for `target`, starts this process's runners, and answers what the job
    /// answered if it finishes within ``syncWait``, else where to follow it.
    func runJob(_ kind: JobKind, target: String, arguments: JSONValue, trigger: String = RepositorySync.Trigger.manual.rawValue,
                call: RPCCall) async throws -> JSONValue {
        let job = try await ActionJobs.enqueue(kind, target: target, arguments: arguments, trigger: trigger, user: call.caller.user, site: call.site)
        await jobs.kick(call.site)
        return try await JobAnswer.wait(for: job, site: call.site, bound: syncWait)
    }
}
