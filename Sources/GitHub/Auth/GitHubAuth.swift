/// How a ``GitHubClient`` authenticates.
public enum GitHubAuth: Sendable, CustomStringConvertible {
    /// No `Authorization` header (60 requests/hour on github.com; useful against FakeGitHub).
    case anonymous
    /// A PAT, OAuth user token or an installation token minted elsewhere.
    case token(GitHubToken)
    /// The App itself, with a fresh JWT per request. Only App endpoints accept it.
    case app(GitHubAppCredentials)
    /// An installation of the App: tokens are minted with the App JWT and cached until one minute
    /// before they expire (see ``InstallationTokenCache``).
    case installation(id: Int64, app: GitHubAppCredentials)

    /// The key for rate-limit, ETag and mutation-spacing state. Never contains a secret.
    ///
    /// An installation is keyed by its id, not by its hourly token, so its ETags and budget survive
    /// token refreshes (GitHub accounts the budget per installation too).
    public var identity: String {
        switch self {
        case .anonymous: return "anonymous"
        case .token(let token): return token.identity
        case .app(let app): return "app:\(app.issuer)"
        case .installation(let id, let app): return "installation:\(app.issuer):\(id)"
        }
    }

    public var description: String {
        switch self {
        case .anonymous: return "anonymous"
        case .token(let token): return "token(\(token))"
        case .app(let app): return "app(\(app.issuer))"
        case .installation(let id, let app): return "installation(\(id), app: \(app.issuer))"
        }
    }
}
