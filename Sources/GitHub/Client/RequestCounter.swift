import Foundation

/// Counts what a unit of work cost on GitHub, so a sync run can report "N calls, M 304 hits".
///
/// A reference type: pass one to ``GitHubClient/counting(into:)`` and read it afterwards. Every
/// HTTP exchange counts once in ``Counts/requests`` (retries too, since each is a request GitHub saw).
public final class RequestCounter: @unchecked Sendable {
    public struct Counts: Sendable, Hashable, CustomStringConvertible {
        /// HTTP exchanges sent, including 304s, retries and GraphQL.
        public var requests = 0
        /// Answers 304 Not Modified (free against the primary limit).
        public var notModified = 0
        /// GraphQL POSTs (included in ``requests``).
        public var graphQL = 0
        /// GraphQL points reported by `rateLimit { cost }`.
        public var graphQLCost = 0
        /// Re-sends after 5xx or transport failures.
        public var retries = 0
        /// Times a call waited for a primary reset or a secondary limit.
        public var rateLimitWaits = 0

        public init() {}

        /// Requests that spent primary budget (everything but 304s).
        public var billable: Int { requests - notModified }

        public var description: String {
            "\(requests) requests (\(notModified) not modified, \(graphQL) GraphQL, \(retries) retries, \(rateLimitWaits) waits)"
        }
    }

    private let lock = NSLock()
    private var counts = Counts()

    public init() {}

    public var snapshot: Counts {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    func update(_ change: (inout Counts) -> Void) {
        lock.lock()
        change(&counts)
        lock.unlock()
    }

    public func reset() { update { $0 = Counts() } }
}
