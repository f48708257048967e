import Foundation
import Frappe
import Logging
import Synchronization

/// Wakes a site's idle workers when a delivery has been stored by this process, so a delivery is
/// applied within milliseconds without workers polling the database in a tight loop.
public final class Doorbell: Sendable {
    private let rings = Mutex<[String: UInt64]>([:])

    public init() {}

    public func ring(_ site: String) { rings.withLock { $0[site, default: 0] &+= 1 } }

    func count(_ site: String) -> UInt64 { rings.withLock { $0[site] ?? 0 } }

    /// Returns when the site's bell rings, or after `timeout`.
    func wait(_ site: String, timeout: Duration) async throws {
        let start = count(site)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while count(site) == start, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// N workers per site, in this process, draining each site's webhook queue (ARCHITECTURE §3.5).
/// Any number of processes can run them against one site: claims use `SKIP LOCKED`.
///
/// ``run()`` returns once ``stop()`` has been called and every worker has finished the delivery
/// in hand (its transaction commits or rolls back as a whole; nothing is left half-applied).
public final class WebhookWorkers: Sendable {
    public struct Configuration: Sendable {
        public var workersPerSite: Int
        /// How often an idle worker looks for deliveries stored by other processes or due for a retry.
        public var idlePoll: Duration
        public var policy: WebhookQueue.Policy
        /// Deliveries a worker claims and applies per transaction: one commit for many under a
        /// push storm, and one at a time when they trickle in (a batch never waits to fill up).
        public var batchSize: Int

        public init(workersPerSite: Int = 4, idlePoll: Duration = .milliseconds(500), policy: WebhookQueue.Policy = .init(),
                    batchSize: Int = 20) {
            self.workersPerSite = max(1, workersPerSite)
            self.idlePoll = idlePoll
            self.policy = policy
            self.batchSize = max(1, batchSize)
        }
    }

    let sites: SiteDirectory
    let siteNames: @Sendable () -> [String]
    let doorbell: Doorbell
    let configuration: Configuration
    let logger: Logger
    private let stopped = Mutex(false)
    /// The running supervisor, so ``stop()`` reaches it.
    private let supervisor = Mutex<SiteWorkers?>(nil)

    /// `siteNames` defaults to every site of the bench.
    public init(sites: SiteDirectory, doorbell: Doorbell, configuration: Configuration = .init(),
                siteNames: (@Sendable () -> [String])? = nil, logger: Logger = Logger(label: "webhook-workers")) {
        self.sites = sites
        self.doorbell = doorbell
        self.configuration = configuration
        self.siteNames = siteNames ?? { [bench = sites.bench] in bench.siteNames() }
        self.logger = logger
    }

    public var isStopped: Bool { stopped.withLock { $0 } }

    /// Asks every worker to finish the delivery in hand and stop.
    public func stop() {
        stopped.withLock { $0 = true }
        supervisor.withLock { $0 }?.stop()
    }

    /// Sites are re-listed every 2 s (``SiteWorkers``): a new site on the bench gets its workers
    /// without a restart; the workers of a removed site end after the delivery in hand.
    public func run() async {
        let workers = SiteWorkers(siteNames: siteNames, rescan: .seconds(2), workersPerSite: configuration.workersPerSite) { context in
            await self.work(site: context.site, index: context.index, retired: { context.shouldStop })
        }
        supervisor.withLock { $0 = workers }
        if isStopped { workers.stop() }   // stop() came before run()
        await workers.run()
    }

    private func work(site name: String, index: Int, retired: @Sendable () -> Bool) async {
        let queue = WebhookQueue(policy: configuration.policy)
        var failures = 0
        while !isStopped && !retired() && !Task.isCancelled {
            do {
                let site = try await sites.site(name)
                if try await queue.processBatch(site, limit: configuration.batchSize) > 0 {
                    failures = 0
                    continue
                }
                try await doorbell.wait(name, timeout: configuration.idlePoll)
            } catch is CancellationError {
                return
            } catch {
                // The site is down or not installed: back off (up to 30 s) and try again.
                failures += 1
                if failures == 1 || failures % 20 == 0 {
                    logger.warning("webhook worker \(index) on \(name): \((error as? FrappeError)?.description ?? String(describing: type(of: error)))")
                }
                try? await Task.sleep(for: .milliseconds(min(30_000, 250 * (1 << min(failures, 7)))))
            }
        }
    }
}
