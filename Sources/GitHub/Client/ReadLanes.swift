import Foundation
import Synchronization

/// Bounds the reads one credential has in flight, and holds every request of that credential
/// while GitHub has asked it to slow down.
///
/// GitHub's guidance against secondary limits ("Best practices for using the REST API"): avoid
/// many concurrent requests per token, and after a secondary-limit answer wait before *any* further
/// request. A sync fetching pages ahead therefore shares ``limit`` slots per identity with every
/// other read of that token, and one secondary-limit answer pauses all of them, not only the
/// request that got it. Mutations keep their own lane (``MutationGate``).
///
/// Release and pause are synchronous, so a request can give its slot back in a `defer` and record
/// a pause before anyone else takes the slot.
final class ReadLanes: Sendable {
    private struct Lane {
        var inFlight = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var pausedUntil: Date?
    }

    let limit: Int
    private let lanes = Mutex<[String: Lane]>([:])

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Waits for one of the identity's read slots. Pair every call with ``release(_:)``.
    func acquire(_ identity: String) async {
        if takeSlot(identity) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lanes.withLock { all -> Bool in
                if all[identity, default: Lane()].inFlight < limit {
                    all[identity, default: Lane()].inFlight += 1
                    return true
                }
                // The slot is handed over by `release`, so the count stays as it is.
                all[identity, default: Lane()].waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func takeSlot(_ identity: String) -> Bool {
        lanes.withLock { all in
            guard all[identity, default: Lane()].inFlight < limit else { return false }
            all[identity, default: Lane()].inFlight += 1
            return true
        }
    }

    func release(_ identity: String) {
        let next = lanes.withLock { all -> CheckedContinuation<Void, Never>? in
            guard var lane = all[identity] else { return nil }
            defer { all[identity] = lane }
            if lane.waiters.isEmpty {
                lane.inFlight = max(0, lane.inFlight - 1)
                return nil
            }
            return lane.waiters.removeFirst()
        }
        next?.resume()
    }

    /// GitHub asked this identity to wait until `until`: every request it sends from now on waits too.
    func pause(_ identity: String, until: Date) {
        lanes.withLock { all in
            let current = all[identity]?.pausedUntil ?? .distantPast
            all[identity, default: Lane()].pausedUntil = max(current, until)
        }
    }

    /// When the identity's pause ends, if it is paused at `now`.
    func pausedUntil(_ identity: String, now: Date) -> Date? {
        lanes.withLock { all in
            guard let until = all[identity]?.pausedUntil, until > now else { return nil }
            return until
        }
    }
}
