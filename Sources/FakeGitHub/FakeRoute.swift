/// The endpoints FakeGitHub serves, resolved from method + path segments.
enum FakeRoute: Sendable {
    case user
    case userRepos
    case userByLogin(login: String)
    case searchUsers
    case orgRepos(org: String)
    case orgTeams(org: String)
    case teamRepo(org: String, slug: String, owner: String, repo: String, method: String)
    case repo(owner: String, repo: String)
    case branches(owner: String, repo: String)
    case branch(owner: String, repo: String, branch: String)
    case collaborators(owner: String, repo: String)
    case collaborator(owner: String, repo: String, login: String, method: String)
    case listIssues(owner: String, repo: String)
    case createIssue(owner: String, repo: String)
    case getIssue(owner: String, repo: String, number: Int)
    case updateIssue(owner: String, repo: String, number: Int)
    case addAssignees(owner: String, repo: String, number: Int)
    case listPulls(owner: String, repo: String)
    case createPull(owner: String, repo: String)
    case getPull(owner: String, repo: String, number: Int)
    case requestReviewers(owner: String, repo: String, number: Int)
    case listHooks(owner: String, repo: String)
    case createHook(owner: String, repo: String)
    case deleteHook(owner: String, repo: String, id: Int64)
    case tree(owner: String, repo: String, sha: String)
    case blob(owner: String, repo: String, sha: String)
    case commits(owner: String, repo: String)
    case appInstallation(id: Int64)
    case accessToken(id: Int64)
    case rateLimit
    case graphQL
    /// Git data of a repository (trees, blobs, commits, refs, compare, contents).
    case git(owner: String, repo: String, FakeGitRoute)
    /// The App's own endpoints and the installation views.
    case appAPI(FakeAppRoute)

    /// The budget the route spends; nil for free endpoints.
    var resource: String? {
        switch self {
        case .rateLimit: return nil
        case .graphQL: return "graphql"
        case .searchUsers: return "search"
        default: return "core"
        }
    }

    /// Whether the route wants the App JWT rather than a token.
    var needsAppJWT: Bool {
        switch self {
        case .appInstallation, .accessToken: return true
        case .appAPI(let route): return route.needsJWT
        default: return false
        }
    }

    static func resolve(method: String, segments s: [String]) -> FakeRoute? {
        if let app = FakeAppRoute.resolve(method: method, segments: s) { return .appAPI(app) }
        if s.count >= 4, s[0] == "repos", let git = FakeGitRoute.resolve(method: method, rest: Array(s.dropFirst(3))) {
            return .git(owner: s[1], repo: s[2], git)
        }
        switch (method, s.count) {
        case ("GET", 1) where s[0] == "user": return .user
        case ("GET", 1) where s[0] == "rate_limit": return .rateLimit
        case ("POST", 1) where s[0] == "graphql": return .graphQL
        case ("GET", 2) where s == ["user", "repos"]: return .userRepos
        case ("GET", 2) where s == ["search", "users"]: return .searchUsers
        case ("GET", 2) where s[0] == "users": return .userByLogin(login: s[1])
        case ("GET", 3) where s[0] == "orgs" && s[2] == "repos": return .orgRepos(org: s[1])
        case ("GET", 3) where s[0] == "orgs" && s[2] == "teams": return .orgTeams(org: s[1])
        case ("PUT", 7), ("DELETE", 7):
            guard s[0] == "orgs", s[2] == "teams", s[4] == "repos" else { return nil }
            return .teamRepo(org: s[1], slug: s[3], owner: s[5], repo: s[6], method: method)
        case ("GET", 3) where s[0] == "app" && s[1] == "installations":
            return Int64(s[2]).map { .appInstallation(id: $0) }
        case ("POST", 4) where s[0] == "app" && s[1] == "installations" && s[3] == "access_tokens":
            return Int64(s[2]).map { .accessToken(id: $0) }
        default: break
        }
        guard s.count >= 3, s[0] == "repos" else { return nil }
        let owner = s[1]
        let repo = s[2]
        let rest = Array(s.dropFirst(3))
        switch (method, rest.count) {
        case ("GET", 0): return .repo(owner: owner, repo: repo)
        case ("GET", 1) where rest[0] == "branches": return .branches(owner: owner, repo: repo)
        case ("GET", 2) where rest[0] == "branches": return .branch(owner: owner, repo: repo, branch: rest[1])
        case ("GET", 1) where rest[0] == "collaborators": return .collaborators(owner: owner, repo: repo)
        case ("PUT", 2) where rest[0] == "collaborators", ("DELETE", 2) where rest[0] == "collaborators":
            return .collaborator(owner: owner, repo: repo, login: rest[1], method: method)
        case ("GET", 1) where rest[0] == "issues": return .listIssues(owner: owner, repo: repo)
        case ("POST", 1) where rest[0] == "issues": return .createIssue(owner: owner, repo: repo)
        case ("GET", 2) where rest[0] == "issues": return Int(rest[1]).map { .getIssue(owner: owner, repo: repo, number: $0) }
        case ("PATCH", 2) where rest[0] == "issues": return Int(rest[1]).map { .updateIssue(owner: owner, repo: repo, number: $0) }
        case ("POST", 3) where rest[0] == "issues" && rest[2] == "assignees":
            return Int(rest[1]).map { .addAssignees(owner: owner, repo: repo, number: $0) }
        case ("GET", 1) where rest[0] == "pulls": return .listPulls(owner: owner, repo: repo)
        case ("POST", 1) where rest[0] == "pulls": return .createPull(owner: owner, repo: repo)
        case ("GET", 2) where rest[0] == "pulls": return Int(rest[1]).map { .getPull(owner: owner, repo: repo, number: $0) }
        case ("POST", 3) where rest[0] == "pulls" && rest[2] == "requested_reviewers":
            return Int(rest[1]).map { .requestReviewers(owner: owner, repo: repo, number: $0) }
        case ("GET", 1) where rest[0] == "hooks": return .listHooks(owner: owner, repo: repo)
        case ("POST", 1) where rest[0] == "hooks": return .createHook(owner: owner, repo: repo)
        case ("DELETE", 2) where rest[0] == "hooks": return Int64(rest[1]).map { .deleteHook(owner: owner, repo: repo, id: $0) }
        case ("GET", 3) where rest[0] == "git" && rest[1] == "trees": return .tree(owner: owner, repo: repo, sha: rest[2])
        case ("GET", 3) where rest[0] == "git" && rest[1] == "blobs": return .blob(owner: owner, repo: repo, sha: rest[2])
        case ("GET", 1) where rest[0] == "commits": return .commits(owner: owner, repo: repo)
        default: return nil
        }
    }
}
