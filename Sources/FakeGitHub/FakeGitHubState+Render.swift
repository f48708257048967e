import Crypto
import Foundation
import GitHub

/// Turning FakeGitHub's records into GitHub-shaped JSON (via the GitHub module's own models, so the
/// client and the fake agree on field names by construction).
extension FakeGitHubState {
    static let encoder = GitHubJSON.encoder()

    func encode(_ value: some Encodable) -> Data {
        (try? Self.encoder.encode(value)) ?? Data("null".utf8)
    }

    func jsonValue(_ value: some Encodable) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: encode(value))) ?? .null
    }

    /// Stable id for a login not in the seed.
    static func syntheticID(_ login: String) -> Int64 {
        let digest = SHA256.hash(data: Data(login.lowercased().utf8))
        return Int64(digest.prefix(4).reduce(0) { $0 << 8 | Int64($1) }) + 100_000
    }

    func renderUser(_ login: String) -> GitHubUser {
        let record = users[login.lowercased()]
        var user = GitHubUser(
            id: record?.id ?? Self.syntheticID(login), login: record?.login ?? login,
            type: record?.type ?? (login.hasSuffix("[bot]") ? "Bot" : "User"), name: record?.name, email: record?.email)
        user.nodeID = "U_\(user.id)"
        user.siteAdmin = false
        user.url = "\(apiBaseURL)/users/\(user.login)"
        user.htmlURL = "https://github.com/\(user.login)"
        user.avatarURL = "https://avatars.githubusercontent.com/u/\(user.id)?v=4"
        return user
    }

    func renderRepository(_ repo: FakeRepository, viewer: String? = nil) -> GitHubRepository {
        var owner = renderUser(repo.owner)
        if organizations[repo.owner.lowercased()] != nil { owner.type = "Organization" }
        var result = GitHubRepository(id: repo.id, name: repo.name, owner: owner, fullName: repo.fullName)
        result.nodeID = "R_\(repo.id)"
        result.private = repo.private
        result.visibility = repo.private ? "private" : "public"
        result.description = repo.description
        result.fork = false
        result.url = "\(apiBaseURL)/repos/\(repo.fullName)"
        result.htmlURL = "https://github.com/\(repo.fullName)"
        result.defaultBranch = repo.defaultBranch
        result.archived = false
        result.disabled = false
        result.hasIssues = true
        result.openIssuesCount = repo.issues.filter { $0.state == "open" }.count
        result.createdAt = GitHubDate(repo.createdAt)
        result.updatedAt = GitHubDate(repo.updatedAt)
        result.pushedAt = GitHubDate(repo.pushedAt ?? repo.updatedAt)
        if let viewer {
            let permission = repo.owner.lowercased() == viewer.lowercased()
                ? "admin" : repo.collaborators.first { $0.login.lowercased() == viewer.lowercased() }?.permission
            result.permissions = Self.permissions(permission ?? "pull")
        }
        return result
    }

    static func permissions(_ role: String) -> GitHubPermissions {
        let order = ["pull", "triage", "push", "maintain", "admin"]
        let rank = order.firstIndex(of: role) ?? 0
        return GitHubPermissions(pull: rank >= 0, triage: rank >= 1, push: rank >= 2, maintain: rank >= 3, admin: rank >= 4)
    }

    func renderIssue(_ issue: FakeIssue, in repo: FakeRepository) -> GitHubIssue {
        var result = GitHubIssue(id: issue.id, number: issue.number, title: issue.title, body: issue.body, state: issue.state, user: renderUser(issue.user))
        result.nodeID = "I_\(issue.id)"
        result.stateReason = issue.stateReason
        result.labels = (issue.labels ?? []).map { GitHubLabel(id: Self.syntheticID("label:" + $0), name: $0, color: "ededed") }
        let assignees = (issue.assignees ?? []).map(renderUser)
        result.assignees = assignees
        result.assignee = assignees.first
        result.locked = false
        result.comments = issue.comments ?? 0
        result.authorAssociation = repo.owner.lowercased() == issue.user.lowercased() ? "OWNER" : "CONTRIBUTOR"
        result.url = "\(apiBaseURL)/repos/\(repo.fullName)/issues/\(issue.number)"
        result.htmlURL = "https://github.com/\(repo.fullName)/\(issue.pull == nil ? "issues" : "pull")/\(issue.number)"
        result.createdAt = GitHubDate(issue.createdAt)
        result.updatedAt = GitHubDate(issue.updatedAt)
        result.closedAt = issue.closedAt.map(GitHubDate.init)
        if let pull = issue.pull {
            var marker = GitHubIssuePullRequestMarker(
                url: "\(apiBaseURL)/repos/\(repo.fullName)/pulls/\(issue.number)",
                htmlURL: "https://github.com/\(repo.fullName)/pull/\(issue.number)")
            marker.diffURL = marker.htmlURL.map { $0 + ".diff" }
            marker.patchURL = marker.htmlURL.map { $0 + ".patch" }
            marker.mergedAt = pull.mergedAt.map(GitHubDate.init)
            result.pullRequest = marker
        }
        return result
    }

    /// - Parameter repository: the rendered repository, when rendering many PRs of one repository
    ///   (rendering it per PR would recount its open issues each time).
    func renderPull(_ issue: FakeIssue, in repo: FakeRepository, repository: GitHubRepository? = nil) -> GitHubPullRequest? {
        guard let pull = issue.pull else { return nil }
        let repository = repository ?? renderRepository(repo)
        let owner = renderUser(repo.owner)
        let baseSHA = repo.branches.first { $0.name == pull.base }?.sha ?? String(repeating: "0", count: 40)
        var result = GitHubPullRequest(
            id: pull.id, number: issue.number, title: issue.title, body: issue.body, state: issue.state,
            user: renderUser(issue.user),
            head: GitHubPullRequestRef(label: "\(repo.owner):\(pull.head)", ref: pull.head, sha: pull.headSHA, user: owner, repo: repository),
            base: GitHubPullRequestRef(label: "\(repo.owner):\(pull.base)", ref: pull.base, sha: baseSHA, user: owner, repo: repository))
        result.nodeID = "PR_\(pull.id)"
        result.draft = pull.draft ?? false
        result.locked = false
        let assignees = (issue.assignees ?? []).map(renderUser)
        result.assignees = assignees
        result.assignee = assignees.first
        result.labels = (issue.labels ?? []).map { GitHubLabel(id: Self.syntheticID("label:" + $0), name: $0, color: "ededed") }
        result.requestedReviewers = (pull.requestedReviewers ?? []).map(renderUser)
        result.requestedTeams = (pull.requestedTeams ?? []).compactMap { slug in
            organizations[repo.owner.lowercased()]?.teams.first { $0.slug == slug }.map(renderTeam)
        }
        result.merged = pull.merged ?? false
        result.mergedAt = pull.mergedAt.map(GitHubDate.init)
        result.url = "\(apiBaseURL)/repos/\(repo.fullName)/pulls/\(issue.number)"
        result.htmlURL = "https://github.com/\(repo.fullName)/pull/\(issue.number)"
        result.createdAt = GitHubDate(issue.createdAt)
        result.updatedAt = GitHubDate(issue.updatedAt)
        result.closedAt = issue.closedAt.map(GitHubDate.init)
        result.authorAssociation = "CONTRIBUTOR"
        return result
    }

    func renderTeam(_ team: FakeTeam) -> GitHubTeam {
        var result = GitHubTeam(id: team.id, name: team.name, slug: team.slug, description: team.description)
        result.nodeID = "T_\(team.id)"
        result.htmlURL = "https://github.com/orgs/teams/\(team.slug)"
        return result
    }

    func renderCollaborator(_ collaborator: FakeCollaborator) -> GitHubCollaborator {
        let user = renderUser(collaborator.login)
        var result = GitHubCollaborator(id: user.id, login: user.login, permissions: Self.permissions(collaborator.permission),
                                        roleName: Self.roleName(collaborator.permission))
        result.siteAdmin = false
        result.htmlURL = user.htmlURL
        return result
    }

    /// REST permission names → the `role_name` GitHub shows.
    static func roleName(_ permission: String) -> String {
        switch permission {
        case "pull": return "read"
        case "push": return "write"
        default: return permission
        }
    }

    func renderHook(_ hook: FakeHook, in repo: FakeRepository) -> GitHubHook {
        var result = GitHubHook(
            id: hook.id, events: hook.events,
            config: .init(url: hook.url, contentType: "json", secret: hook.secret == nil ? nil : "********"), active: hook.active)
        result.url = "\(apiBaseURL)/repos/\(repo.fullName)/hooks/\(hook.id)"
        result.pingURL = result.url.map { $0 + "/pings" }
        result.createdAt = GitHubDate(hook.createdAt)
        result.updatedAt = GitHubDate(hook.createdAt)
        return result
    }

    // MARK: Git data

    /// Git's blob id: SHA-1 of `blob <size>\0<content>`.
    static func blobSHA(_ content: String) -> String {
        let bytes = Data(content.utf8)
        var data = Data("blob \(bytes.count)\u{0}".utf8)
        data.append(bytes)
        return Insecure.SHA1.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// A deterministic id for a set of files (not git's real tree hash, but content-addressed the same way).
    static func treeSHA(_ entries: [(String, String)]) -> String {
        let text = entries.sorted { $0.0 < $1.0 }.map { "\($0.0) \($0.1)" }.joined(separator: "\n")
        return Insecure.SHA1.hash(data: Data(("tree " + text).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The tree of the repository's files, recursive or just the top level.
    func renderTree(_ repo: FakeRepository, recursive: Bool) -> GitHubTree {
        let files = repo.files.map { ($0.key, Self.blobSHA($0.value)) }
        let rootSHA = Self.treeSHA(files)
        var entries: [GitHubTree.Entry] = []
        var directories: [String: [(String, String)]] = [:]
        for (path, sha) in files {
            let components = path.split(separator: "/").map(String.init)
            for depth in 1..<max(components.count, 1) {
                let directory = components[0..<depth].joined(separator: "/")
                directories[directory, default: []].append((path, sha))
            }
            if recursive || components.count == 1 {
                let size = repo.files[path]?.utf8.count
                entries.append(.init(path: path, mode: "100644", type: "blob", sha: sha, size: size,
                                     url: "\(apiBaseURL)/repos/\(repo.fullName)/git/blobs/\(sha)"))
            }
        }
        for (directory, contents) in directories where recursive || !directory.contains("/") {
            let sha = Self.treeSHA(contents)
            entries.append(.init(path: directory, mode: "040000", type: "tree", sha: sha, size: nil,
                                 url: "\(apiBaseURL)/repos/\(repo.fullName)/git/trees/\(sha)"))
        }
        entries.sort { $0.path < $1.path }
        return GitHubTree(sha: rootSHA, url: "\(apiBaseURL)/repos/\(repo.fullName)/git/trees/\(rootSHA)", tree: entries, truncated: false)
    }
}
