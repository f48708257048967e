import Foundation

/// What a call does when the budget is gone.
public enum RateLimitPolicy: Sendable, Hashable {
    /// Background jobs: sleep until the reset (or `Retry-After`) and carry on.
    case waitForReset
    /// Desk requests: never block a person; throw ``GitHubError/rateLimited(resource:resetAt:)``
    /// or ``GitHubError/secondaryRateLimited(retryAfter:)`` so the caller can answer 429 with the time.
    case failFast
}

/// The budget GitHub reported last, from `X-RateLimit-*` headers.
public struct RateLimitSnapshot: Sendable, Hashable {
    public var resource: String
    public var limit: Int?
    public var remaining: Int
    public var used: Int?
    public var resetAt: Date
    /// When we saw it (our clock).
    public var observedAt: Date

    public init(resource: String, limit: Int?, remaining: Int, used: Int?, resetAt: Date, observedAt: Date) {
        self.resource = resource
        self.limit = limit
        self.remaining = remaining
        self.used = used
        self.resetAt = resetAt
        self.observedAt = observedAt
    }

    /// Parses the headers of any GitHub response; nil when they are absent (e.g. GHES with limits off).
    public init?(headers: (String) -> String?, defaultResource: String, observedAt: Date) {
        guard let remaining = headers("x-ratelimit-remaining").flatMap({ Int($0) }),
            let reset = headers("x-ratelimit-reset").flatMap({ Double($0) })
        else { return nil }
        self.init(
            resource: headers("x-ratelimit-resource") ?? defaultResource,
            limit: headers("x-ratelimit-limit").flatMap { Int($0) },
            remaining: remaining,
            used: headers("x-ratelimit-used").flatMap { Int($0) },
            resetAt: Date(timeIntervalSince1970: reset),
            observedAt: observedAt)
    }
}

/// Budgets per (credential identity, resource), shared by every copy of a ``GitHubClient``.
///
/// Before a call the client asks ``blockingReset(identity:resource:now:)``: if the last response said
/// `remaining == 0` and the reset is still ahead, the call waits or fails without spending a request.
/// After the wait the entry is marked unknown so the next response re-establishes it (our clock and
/// GitHub's may disagree; GitHub has the last word).
public actor RateLimitTracker {
    struct Key: Hashable {
        var identity: String
        var resource: String
    }

    private var snapshots: [Key: RateLimitSnapshot] = [:]

    public init() {}

    public func record(_ snapshot: RateLimitSnapshot, identity: String) {
        snapshots[Key(identity: identity, resource: snapshot.resource)] = snapshot
    }

    /// The last known budget for a credential identity (see ``GitHubAuth/identity``) and resource
    /// (`core`, `search`, `graphql`, ...).
    public func snapshot(identity: String, resource: String) -> RateLimitSnapshot? {
        snapshots[Key(identity: identity, resource: resource)]
    }

    /// The reset time when the budget is known to be empty, else nil.
    func blockingReset(identity: String, resource: String, now: Date) -> Date? {
        guard let snapshot = snapshots[Key(identity: identity, resource: resource)],
            snapshot.remaining <= 0, snapshot.resetAt > now
        else { return nil }
        return snapshot.resetAt
    }

    /// Forget the "empty" state after waiting for the reset.
    func markWaited(identity: String, resource: String) {
        snapshots[Key(identity: identity, resource: resource)] = nil
    }
}
