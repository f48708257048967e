/// Git-data and App routes of FakeGitHub (the template sync's side of GitHub), resolved from path
/// segments. Kept apart from ``FakeRoute`` so that table stays about the repository mirror.
enum FakeGitRoute: Sendable {
    case tree(sha: String)
    case blob(sha: String)
    case gitCommit(sha: String)
    /// `git/ref/heads/<branch>` and `git/refs/heads/<branch>`; the branch may contain `/`.
    case ref(String)
    /// `commits/<ref>`: the REST commit.
    case commit(ref: String)
    /// `compare/<base>...<head>`.
    case compare(base: String, head: String)
    /// `contents[/<path>]`.
    case contents(path: String)

    /// `rest` is what follows `/repos/{owner}/{repo}`.
    static func resolve(method: String, rest: [String]) -> FakeGitRoute? {
        guard method == "GET", let first = rest.first else { return nil }
        switch first {
        case "git" where rest.count == 3 && rest[1] == "trees": return .tree(sha: rest[2])
        case "git" where rest.count == 3 && rest[1] == "blobs": return .blob(sha: rest[2])
        case "git" where rest.count == 3 && rest[1] == "commits": return .gitCommit(sha: rest[2])
        case "git" where rest.count >= 4 && (rest[1] == "ref" || rest[1] == "refs"):
            return .ref(rest[2...].joined(separator: "/"))
        case "commits" where rest.count >= 2:
            return .commit(ref: rest[1...].joined(separator: "/"))
        case "compare" where rest.count >= 2:
            let spec = rest[1...].joined(separator: "/")
            guard let range = spec.range(of: "...") else { return nil }
            return .compare(base: String(spec[..<range.lowerBound]), head: String(spec[range.upperBound...]))
        case "contents":
            return .contents(path: rest.dropFirst().joined(separator: "/"))
        default:
            return nil
        }
    }
}

/// `/app…`, `/installation/…` and `/user/installations`.
enum FakeAppRoute: Sendable {
    case app
    case installations
    case installationRepositories
    case userInstallations
    /// `POST /login/oauth/access_token`: the web flow's code exchange (on GitHub's web host).
    case oauthAccessToken

    /// JWT-only routes (GitHub answers them only for the App itself).
    var needsJWT: Bool {
        switch self {
        case .app, .installations: return true
        case .installationRepositories, .userInstallations, .oauthAccessToken: return false
        }
    }

    static func resolve(method: String, segments s: [String]) -> FakeAppRoute? {
        if method == "POST", s == ["login", "oauth", "access_token"] { return .oauthAccessToken }
        guard method == "GET" else { return nil }
        switch s {
        case ["app"]: return .app
        case ["app", "installations"]: return .installations
        case ["installation", "repositories"]: return .installationRepositories
        case ["user", "installations"]: return .userInstallations
        default: return nil
        }
    }
}
