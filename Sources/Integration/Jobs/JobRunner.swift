import Foundation
import Frappe
import GitHub
import Logging

/// Runs a site's due jobs in this process, at most ``concurrency`` at a time per site.
///
/// ``kick(_:)`` (after a desk call queued a job) starts runners up to the bound; each runs due
/// jobs until none is left and then ends, so an idle sidecar holds no task per site. ``poll(_:)``
/// (the `serve` command's service) kicks every site of the bench every second — which picks up
/// jobs queued by other processes, jobs due again after a backoff or a rate-limit reset, and
/// sites added to the bench — and queues again the jobs of processes that died.
public actor JobRunner {
    public nonisolated let concurrency: Int
    private let environment: JobEnvironment
    private var running: [String: Int] = [:]
    /// A kick arrived since the site's runners last looked for due jobs.
    private var kicked: Set<String> = []
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextTask = 0
    private var stopped = false
    private let logger = Logger(label: "github-sidecar.jobs")

    /// `client` gives the GitHub client a job of a site uses: one that answers a spent rate limit
    /// at once (the job is then queued again for the reset) rather than sleeping in a runner.
    public init(concurrency: Int = 3, client: @escaping @Sendable (Site) async throws -> GitHubClient) {
        self.init(concurrency: concurrency, environment: JobEnvironment(client: client))
    }

    /// `environment.app` runs the site's template-sync jobs (Sync Now).
    public init(concurrency: Int = 3, environment: JobEnvironment) {
        self.concurrency = max(0, concurrency)
        self.environment = environment
    }

    /// Makes sure the site's due jobs are being run.
    public func kick(_ site: Site) {
        guard !stopped, concurrency > 0 else { return }
        kicked.insert(site.name)
        guard running[site.name, default: 0] < concurrency else { return }
        running[site.name, default: 0] += 1
        let id = nextTask
        nextTask += 1
        let environment = self.environment
        tasks[id] = Task.detached {
            repeat {
                await self.looking(site.name)
                while !Task.isCancelled, await SyncJobs.runNext(site: site, environment: environment) {}
            } while await self.keepGoing(site.name)
            await self.ended(id)
        }
    }

    private func looking(_ site: String) { kicked.remove(site) }

    /// Whether a runner that found nothing to do should look once more (a kick came meanwhile).
    private func keepGoing(_ site: String) -> Bool {
        if !stopped, kicked.contains(site) { return true }
        running[site, default: 1] -= 1
        return false
    }

    private func ended(_ id: Int) { tasks[id] = nil }

    /// Kicks every site of the bench every `interval` (and recovers interrupted jobs every
    /// `recoverEvery` rounds) until cancelled or ``stop()``.
    public func poll(_ sites: SiteDirectory, interval: Duration = .seconds(1), recoverEvery: Int = 10) async {
        var round = 0
        while !stopped, !Task.isCancelled {
            for name in sites.bench.siteNames() {
                guard let site = try? await sites.site(name) else { continue }
                if round % recoverEvery == 0 {
                    do { try await SyncJobs.recover(site: site) } catch {
                        logger.warning("interrupted jobs of \(name) could not be checked: \(FrappeError(github: error).message)")
                    }
                }
                kick(site)
            }
            round += 1
            try? await Task.sleep(for: interval)
        }
    }

    /// Stops taking jobs and cancels the running ones: a cancelled sync is queued again (its
    /// writes so far are committed page by page and a sync resumes safely).
    public func stop() async {
        stopped = true
        let running = Array(tasks.values)
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    /// True while no job runs in this process (for tests and shutdown).
    public var isIdle: Bool { tasks.isEmpty }
}
