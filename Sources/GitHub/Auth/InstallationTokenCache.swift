import Foundation

/// Installation tokens, minted once and reused until one minute before `expires_at`.
///
/// Concurrent callers asking for the same installation share one mint (no thundering herd of
/// `POST …/access_tokens`). A 401 with a cached token means GitHub revoked it early; the client
/// calls ``invalidate(installationID:issuer:)`` and mints again.
public actor InstallationTokenCache {
    struct Key: Hashable {
        var issuer: String
        var installationID: Int64
    }

    /// Tokens are refreshed when fewer than this many seconds remain.
    public let refreshMargin: TimeInterval
    private let now: @Sendable () -> Date
    private var tokens: [Key: GitHubInstallationToken] = [:]
    private var inFlight: [Key: Task<GitHubInstallationToken, any Error>] = [:]

    public init(refreshMargin: TimeInterval = 60, now: @escaping @Sendable () -> Date = { Date() }) {
        self.refreshMargin = refreshMargin
        self.now = now
    }

    /// The cached token when it is still good, else the result of `mint` (cached).
    public func token(
        installationID: Int64, issuer: String,
        mint: @escaping @Sendable () async throws -> GitHubInstallationToken
    ) async throws -> GitHubToken {
        let key = Key(issuer: issuer, installationID: installationID)
        if let cached = tokens[key], cached.expiresAt.date.timeIntervalSince(now()) > refreshMargin {
            return cached.token
        }
        if let task = inFlight[key] {
            return try await task.value.token
        }
        let task = Task { try await mint() }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        let minted = try await task.value
        tokens[key] = minted
        return minted.token
    }

    public func invalidate(installationID: Int64, issuer: String) {
        tokens[Key(issuer: issuer, installationID: installationID)] = nil
    }
}
