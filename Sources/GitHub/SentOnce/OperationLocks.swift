import Foundation

/// One holder at a time per operation key, within this process.
///
/// Two calls with the same operation id at once (a double click, a retried desk request while the
/// first is still waiting for the mutation gate) would both find nothing and both create. The second
/// one waits here instead, and learns when the first began so it can look for what the first made.
actor OperationLocks {
    static let shared = OperationLocks()

    private struct Lane {
        /// When the first holder of the current run of holders started.
        var startedAt: Date
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private var lanes: [String: Lane] = [:]

    /// Waits for `key`. Returns nil when nobody held it, else when the earliest holder started (the
    /// caller must then assume that holder may have sent the operation).
    func acquire(_ key: String, now: Date) async -> Date? {
        guard let lane = lanes[key] else {
            lanes[key] = Lane(startedAt: now)
            return nil
        }
        let startedAt = lane.startedAt
        await withCheckedContinuation { continuation in
            lanes[key]?.waiters.append(continuation)
        }
        return startedAt
    }

    /// Hands `key` to the next waiter, or frees it.
    func release(_ key: String) {
        guard var lane = lanes[key] else { return }
        if lane.waiters.isEmpty {
            lanes[key] = nil
        } else {
            let next = lane.waiters.removeFirst()
            lanes[key] = lane
            next.resume()
        }
    }
}
