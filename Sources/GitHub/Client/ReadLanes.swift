import Foundation

/// Bounds the reads one credential has in flight, and holds every request of that credential
/// while GitHub has asked it to slow down.
///
/// GitHub's guidance against secondary limits ("Best practices for using the REST API"): avoid
/// many concurrent requests per token, and after a secondary-limit answer wait before *any* further
/// request. A sync fetching pages ahead therefore shares ``limit`` slots per identity with every
/// other read of that token, and one secondary-limit answer pauses all of them, not only the
/// request that got it. Mutations keep their own lane (``MutationGate``).
actor ReadLanes {
    private struct Lane {
        var inFlight = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var pausedUntil: Date?
    }

    let limit: Int
    private var lanes: [String: Lane] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Waits for one of the identity's read slots. Pair every call with ``release(_:)``.
    func acquire(_ identity: String) async {
        if lanes[identity, default: Lane()].inFlight < limit {
            lanes[identity, default: Lane()].inFlight += 1
            return
        }
        // The slot is handed over by `release`, so the count stays as it is.
        await withCheckedContinuation { lanes[identity, default: Lane()].waiters.append($0) }
    }

    func release(_ identity: String) {
        guard var lane = lanes[identity] else { return }
        if lane.waiters.isEmpty {
            lane.inFlight = max(0, lane.inFlight - 1)
            lanes[identity] = lane
        } else {
            let next = lane.waiters.removeFirst()
            lanes[identity] = lane
            next.resume()
        }
    }

    /// GitHub asked this identity to wait until `until`: every request it sends from now on waits too.
    func pause(_ identity: String, until: Date) {
        let current = lanes[identity]?.pausedUntil ?? .distantPast
        lanes[identity, default: Lane()].pausedUntil = max(current, until)
    }

    /// When the identity's pause ends, if it is paused at `now`.
    func pausedUntil(_ identity: String, now: Date) -> Date? {
        guard let until = lanes[identity]?.pausedUntil, until > now else { return nil }
        return until
    }
}
