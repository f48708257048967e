import Foundation
import Logging

/// What a "sent once" create returns: the object that exists on GitHub, and how it came to be.
public struct SentOnce<Value: Sendable>: Sendable {
    public enum Origin: String, Sendable, Hashable {
        /// This call sent the create and got GitHub's answer.
        case created
        /// This operation had been sent before (its answer lost, or an earlier run interrupted) and
        /// GitHub had applied it: found by its marker, not sent again.
        case recovered
        /// GitHub already had an equivalent object this operation did not make (an open pull request
        /// for the same head and base), and refuses a second one.
        case existing
    }

    public var value: Value
    public var origin: Origin

    public init(value: Value, origin: Origin) {
        self.value = value
        self.origin = origin
    }
}

/// Result of looking for what an operation may have created.
enum OnceLookup<Value: Sendable>: Sendable {
    case found(Value, SentOnce<Value>.Origin)
    /// Certainly not there (every candidate since the cutoff was examined).
    case absent
    /// Could not tell (too many candidates to examine).
    case inconclusive(String)
}

extension GitHubClient {
    /// Allowance for the difference between our clock and GitHub's when comparing `created_at`.
    static let clockSkewAllowance: TimeInterval = 300
    /// Total sends of one create within one call (the first, and one more once the first is known
    /// not to have been applied).
    static let maximumSends = 2

    /// The protocol shared by every sent-once create:
    ///
    /// 1. Only one call per (credentials, operation) runs at a time in this process; a call that had to
    ///    wait treats the earlier holder as a previous attempt.
    /// 2. When a previous attempt may exist, look first (after the settle time) and return what it made.
    /// 3. Send. On an unknown outcome (timeout, dropped connection, 5xx) or a refusal that says the
    ///    object already exists, look instead of re-sending; send again only when the lookup is certain
    ///    nothing exists and GitHub has had ``GitHubConfiguration/unknownOutcomeSettleTime`` to finish.
    /// 4. Anything uncertain ends in ``GitHubError/mutationOutcomeUnknown(method:path:reason:)``: the
    ///    caller retries later with the same operation id and `previousAttemptSince`.
    func sendOnce<Value: Sendable>(
        operationKey: String,
        path: String,
        previousAttemptSince: Date?,
        lookup: @escaping @Sendable (_ cutoff: Date) async throws -> OnceLookup<Value>,
        send: @escaping @Sendable () async throws -> Value,
        isAlreadyExists: @escaping @Sendable (GitHubError) -> Bool = { _ in false }
    ) async throws -> SentOnce<Value> {
        let key = auth.identity + "\u{0}" + operationKey
        let heldSince = await OperationLocks.shared.acquire(key, now: configuration.now())
        do {
            let earliest = [previousAttemptSince, heldSince].compactMap { $0 }.min()
            let result = try await sendOnceLocked(
                path: path, previousAttemptSince: earliest, lookup: lookup, send: send, isAlreadyExists: isAlreadyExists)
            await OperationLocks.shared.release(key)
            return result
        } catch {
            await OperationLocks.shared.release(key)
            throw error
        }
    }

    private func sendOnceLocked<Value: Sendable>(
        path: String,
        previousAttemptSince: Date?,
        lookup: @escaping @Sendable (Date) async throws -> OnceLookup<Value>,
        send: @escaping @Sendable () async throws -> Value,
        isAlreadyExists: @escaping @Sendable (GitHubError) -> Bool
    ) async throws -> SentOnce<Value> {
        if let since = previousAttemptSince {
            let earlier: OnceLookup<Value>
            do {
                earlier = try await settledLookup(sentAt: since, lookup: lookup)
            } catch {
                throw GitHubError.mutationOutcomeUnknown(
                    method: "POST", path: path, reason: "could not check for an earlier attempt (\(error))")
            }
            switch earlier {
            case .found(let value, let origin):
                return SentOnce(value: value, origin: origin == .created ? .recovered : origin)
            case .inconclusive(let why):
                throw GitHubError.mutationOutcomeUnknown(method: "POST", path: path, reason: "an earlier attempt may exist: \(why)")
            case .absent:
                break
            }
        }

        var sends = 0
        while true {
            sends += 1
            let sentAt = configuration.now()
            let failure: GitHubError
            do {
                return SentOnce(value: try await send(), origin: .created)
            } catch let error as GitHubError {
                failure = error
            }
            let unknown: Bool
            switch failure {
            case .mutationOutcomeUnknown: unknown = true
            case _ where isAlreadyExists(failure): unknown = false
            default: throw failure
            }

            let found: OnceLookup<Value>
            do {
                // Something that "already exists" is there now; only an unknown outcome needs settling.
                found = unknown ? try await settledLookup(sentAt: sentAt, lookup: lookup)
                    : try await lookup(sentAt.addingTimeInterval(-Self.clockSkewAllowance))
            } catch {
                throw Self.outcomeUnknown(failure, path: path, detail: "the lookup afterwards failed (\(error))")
            }
            switch found {
            case .found(let value, let origin):
                return SentOnce(value: value, origin: origin == .created ? .recovered : origin)
            case .inconclusive(let why):
                throw Self.outcomeUnknown(failure, path: path, detail: why)
            case .absent:
                guard unknown else { throw failure }
                guard sends < Self.maximumSends else {
                    throw Self.outcomeUnknown(failure, path: path, detail: "not found after \(sends) attempts")
                }
                core.logger.info("A create whose answer was lost was not applied; sending it again", metadata: ["path": "\(path)"])
            }
        }
    }

    /// Looks; when nothing is found before GitHub has had the settle time to finish the send that
    /// started at `sentAt`, waits out the rest of it and looks once more.
    private func settledLookup<Value: Sendable>(
        sentAt: Date, lookup: @Sendable (Date) async throws -> OnceLookup<Value>
    ) async throws -> OnceLookup<Value> {
        let cutoff = sentAt.addingTimeInterval(-Self.clockSkewAllowance)
        let first = try await lookup(cutoff)
        guard case .absent = first else { return first }
        let settle = configuration.unknownOutcomeSettleTime
        let elapsed = configuration.now().timeIntervalSince(sentAt)
        let remaining = settle.secondsValue - elapsed
        guard remaining > 0 else { return first }
        try await configuration.sleep(.milliseconds(Int64((remaining * 1000).rounded(.up))))
        return try await lookup(cutoff)
    }

    private static func outcomeUnknown(_ failure: GitHubError, path: String, detail: String) -> GitHubError {
        if case .mutationOutcomeUnknown(let method, let path, let reason) = failure {
            return .mutationOutcomeUnknown(method: method, path: path, reason: "\(reason); \(detail)")
        }
        return .mutationOutcomeUnknown(method: "POST", path: path, reason: "\(failure); \(detail)")
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
