import Foundation
import Synchronization

/// Workers per site of a bench that follow the bench's list of sites: a site that appears gets
/// its workers within one `rescan`, a site that disappears stops getting new work (its workers
/// are asked to end and finish what they hold). Used for webhook deliveries; meant for any
/// per-site queue.
///
/// A worker body runs until `shouldStop(site)` (see ``WorkerContext``) says so; it must return
/// then, after finishing the item in hand. ``run()`` returns once ``stop()`` was called and every
/// worker has returned.
public final class SiteWorkers: Sendable {
    /// What a worker body is told: which site, which of its workers, and whether to end.
    public struct WorkerContext: Sendable {
        public let site: String
        public let index: Int
        let owner: SiteWorkers
        let generation: Int

        /// True once ``SiteWorkers/stop()`` was called or the site left the bench.
        public var shouldStop: Bool { owner.isRetired(site, generation: generation) }
    }

    private let siteNames: @Sendable () -> [String]
    private let rescan: Duration
    private let workersPerSite: Int
    private let work: @Sendable (WorkerContext) async -> Void
    private let state = Mutex(State())

    private struct State {
        var stopped = false
        /// Sites with running workers, each with the generation it was started as (a site removed
        /// and added back gets new workers; the old ones see their generation retired).
        var running: [String: Int] = [:]
        var generation = 0
    }

    public init(siteNames: @escaping @Sendable () -> [String], rescan: Duration = .seconds(2), workersPerSite: Int,
                work: @escaping @Sendable (WorkerContext) async -> Void) {
        self.siteNames = siteNames
        self.rescan = rescan
        self.workersPerSite = max(1, workersPerSite)
        self.work = work
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Asks every worker to end; ``run()`` returns when they have.
    public func stop() { state.withLock { $0.stopped = true } }

    func isRetired(_ site: String, generation: Int) -> Bool {
        state.withLock { $0.stopped || $0.running[site] != generation }
    }

    /// The sites that have workers right now.
    public var sites: [String] { state.withLock { $0.running.keys.sorted() } }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            let clock = ContinuousClock()
            while !isStopped && !Task.isCancelled {
                let started = startAndRetire(Set(siteNames()))
                for context in started {
                    group.addTask { [work] in await work(context) }
                }
                // Rescan after `rescan`, waking early to notice stop().
                let deadline = clock.now + rescan
                while clock.now < deadline, !isStopped, !Task.isCancelled {
                    try? await Task.sleep(for: min(.milliseconds(50), deadline - clock.now))
                }
            }
            stop()
            await group.waitForAll()
        }
    }

    /// Records the new list; returns the workers to start for sites that appeared.
    private func startAndRetire(_ names: Set<String>) -> [WorkerContext] {
        state.withLock { s in
            guard !s.stopped else { return [] }
            for gone in s.running.keys where !names.contains(gone) { s.running[gone] = nil }
            var started: [WorkerContext] = []
            for site in names.sorted() where s.running[site] == nil {
                s.generation += 1
                s.running[site] = s.generation
                for index in 0..<workersPerSite {
                    started.append(WorkerContext(site: site, index: index, owner: self, generation: s.generation))
                }
            }
            return started
        }
    }
}
