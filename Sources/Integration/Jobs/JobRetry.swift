import Foundation
import Frappe
import GitHub

/// What happens to a job whose run failed: queued again (when trying later can help) or Failed.
///
/// Waiting for GitHub is not a failure: a spent rate limit puts the job back until the reset (a
/// job, never a desk request, is where that wait happens) and does not count as an attempt; so
/// does a process that stops in the middle of a run. Transient failures (GitHub 5xx or
/// unreachable, the database away) are tried again with backoff, up to ``maxAttempts``.
enum JobRetry {
    static let maxAttempts = 5
    static let baseBackoff: TimeInterval = 5
    static let maxBackoff: TimeInterval = 600

    enum Decision {
        /// Queue again for `at`; `counts` is false when the attempt should not be charged.
        case retry(at: Date, reason: String, counts: Bool)
        case fail(FrappeError)
    }

    static func decide(_ error: Error, attempts: Int, now: Date = Date()) -> Decision {
        switch error {
        case is CancellationError:
            return .retry(at: now, reason: "Interrupted: the sidecar stopped during the run; queued again", counts: false)
        case GitHubError.rateLimited(_, let resetAt):
            return .retry(at: max(now, resetAt).addingTimeInterval(1),
                          reason: "Waiting for GitHub's rate limit to reset", counts: false)
        case is GitHubAppService.SyncBusy:
            return .retry(at: now.addingTimeInterval(5), reason: "Waiting for the template sync that is running", counts: false)
        case GitHubError.secondaryRateLimited(let retryAfter):
            return .retry(at: now.addingTimeInterval(max(1, Double(retryAfter.components.seconds))),
                          reason: "GitHub asked us to slow down", counts: false)
        default:
            let failure = FrappeError(github: error)
            guard transient(error), attempts < maxAttempts else { return .fail(failure) }
            let delay = min(maxBackoff, baseBackoff * pow(2, Double(attempts - 1)))
            return .retry(at: now.addingTimeInterval(delay),
                          reason: "Attempt \(attempts) of \(maxAttempts) failed: \(failure.message)", counts: true)
        }
    }

    /// Failures that trying again later can mend.
    static func transient(_ error: Error) -> Bool {
        switch error {
        case let e as GitHubError:
            switch e {
            case .serverError, .transport, .mutationOutcomeUnknown: return true
            default: return false
            }
        case let e as FrappeError:
            return [.internalError, .serviceUnavailable, .tooManyRequestsError].contains(e.type)
        default:
            return FrappeError(database: error) != nil
        }
    }
}
