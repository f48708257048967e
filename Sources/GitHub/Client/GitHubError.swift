import Foundation

/// Everything a GitHub call can fail with. Messages come from GitHub's body or from us; none
/// ever contains a token, JWT or webhook secret.
public enum GitHubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: bad or expired credentials.
    case unauthorized(message: String?)
    /// 403 that is not a rate limit (missing scope, SSO, blocked).
    case forbidden(message: String?)
    /// 404 (also what GitHub answers for private resources the token cannot see).
    case notFound(message: String?)
    /// 422 with GitHub's `errors[]`.
    case validationFailed(message: String?, errors: [GitHubValidationError])
    /// 409 and other 4xx not listed above.
    case clientError(status: Int, message: String?)
    /// 301 after a rename: the caller should re-resolve the repository (the body's `url`).
    case moved(url: String?)
    /// Primary budget exhausted and the call chose ``RateLimitPolicy/failFast`` (or the reset is too
    /// far away): answer the user with `resetAt`.
    case rateLimited(resource: String, resetAt: Date)
    /// Secondary (abuse) limit and the call chose to fail fast; `retryAfter` is the server's advice
    /// or our default.
    case secondaryRateLimited(retryAfter: Duration)
    /// 5xx after the retries an idempotent request was allowed.
    case serverError(status: Int, message: String?)
    /// A non-idempotent request (POST, PATCH) timed out, lost its connection or got a 5xx after
    /// being sent: GitHub may or may not have applied it. Never re-sent automatically — look the
    /// object up (e.g. list issues by title/marker) before trying again.
    case mutationOutcomeUnknown(method: String, path: String, reason: String)
    /// Connection failures or timeouts of an idempotent request after all retries.
    case transport(reason: String)
    /// The body did not decode as the expected type (a webhook payload, a blob).
    case decoding(String)
    /// GitHub's answer to a request was not what that request returns (garbage, HTML from a proxy,
    /// another JSON shape). `url` says which request, `expected` what was expected; `detail` is
    /// the decoder's account, for the log only.
    case unreadableResponse(url: String, expected: String, detail: String)
    /// GraphQL answered 200 with `errors[]` and no usable data.
    case graphQL(messages: [String])
    /// The client was built wrongly (e.g. an invalid PEM, a non-App auth on an App endpoint).
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unauthorized(let m): return "GitHub: unauthorized (\(m ?? "401"))"
        case .forbidden(let m): return "GitHub: forbidden (\(m ?? "403"))"
        case .notFound(let m): return "GitHub: not found (\(m ?? "404"))"
        case .validationFailed(let m, let errors):
            let details = errors.map { [$0.resource, $0.field, $0.code, $0.message].compactMap { $0 }.joined(separator: " ") }
            return "GitHub: validation failed (\(m ?? "422")): \(details.joined(separator: "; "))"
        case .clientError(let s, let m): return "GitHub: HTTP \(s) (\(m ?? ""))"
        case .moved(let url): return "GitHub: moved permanently to \(url ?? "?")"
        case .rateLimited(let r, let reset): return "GitHub: \(r) rate limit exhausted until \(GitHubDate(reset))"
        case .secondaryRateLimited(let d): return "GitHub: secondary rate limit, retry after \(d)"
        case .serverError(let s, let m): return "GitHub: server error \(s) (\(m ?? ""))"
        case .mutationOutcomeUnknown(let method, let path, let reason):
            return "GitHub: outcome of \(method) \(path) unknown (\(reason)); look it up before retrying"
        case .transport(let reason): return "GitHub: transport error (\(reason))"
        case .decoding(let d): return "GitHub: unexpected response (\(d))"
        case .unreadableResponse(let url, let expected, let detail): return "GitHub: unexpected response to \(url), expected \(expected) (\(detail))"
        case .graphQL(let messages): return "GitHub GraphQL: \(messages.joined(separator: "; "))"
        case .invalidConfiguration(let d): return "GitHub client configuration: \(d)"
        }
    }
}
