import Foundation

/// Serialises mutations per credential identity and spaces them ``spacing`` apart.
///
/// GitHub's guidance against secondary limits: "make requests for a single user or client ID
/// serially" and "wait at least one second between each request" for POST, PATCH, PUT, DELETE.
/// Waiters are served first-come first-served; reads never pass through here.
actor MutationGate {
    private struct Lane {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var lastFinished: ContinuousClock.Instant?
    }

    private let spacing: Duration
    private var lanes: [String: Lane] = [:]

    /// The spacing is real time (not the configuration's injectable sleep): it is short in tests
    /// (e.g. 50 ms) and must really separate the requests GitHub sees.
    init(spacing: Duration) {
        self.spacing = spacing
    }

    /// Waits for this identity's lane, then for the spacing since the previous mutation ended.
    /// Every successful `acquire` must be paired with ``release(_:)``.
    func acquire(_ identity: String) async {
        if lanes[identity, default: Lane()].busy {
            await withCheckedContinuation { continuation in
                lanes[identity, default: Lane()].waiters.append(continuation)
            }
        } else {
            lanes[identity, default: Lane()].busy = true
        }
        if let last = lanes[identity]?.lastFinished {
            let remaining = spacing - (ContinuousClock.now - last)
            if remaining > .zero {
                try? await Task.sleep(for: remaining)
            }
        }
    }

    func release(_ identity: String) {
        var lane = lanes[identity, default: Lane()]
        lane.lastFinished = ContinuousClock.now
        if lane.waiters.isEmpty {
            lane.busy = false
            lanes[identity] = lane
        } else {
            let next = lane.waiters.removeFirst()
            lanes[identity] = lane
            next.resume()
        }
    }
}
