import Foundation
import GitHub

/// REST endpoint handlers. Each reads or changes the state and renders GitHub's JSON.
extension FakeGitHubState {
    struct HandlerResult {
        var response: FakeHTTPResponse
        var webhooks: [OutgoingWebhook] = []
    }

    func handle(_ route: FakeRoute, request: FakeHTTPRequest, caller: Caller) -> HandlerResult {
        if request.method == "GET", route.resource != nil {
            let key = caller.login + " " + request.target
            if let cached = renderCache[key], cached.version == version { return HandlerResult(response: cached.response) }
            let response = handleRead(route, request: request, caller: caller)
            if response.status == 200 { renderCache[key] = (version, response) }
            return HandlerResult(response: response)
        }
        if request.method == "GET" { return HandlerResult(response: handleRead(route, request: request, caller: caller)) }
        let result = handleWrite(route, request: request, caller: caller)
        if (200..<300).contains(result.response.status) { version += 1 }
        return result
    }

    // MARK: Reads

    func handleRead(_ route: FakeRoute, request: FakeHTTPRequest, caller: Caller) -> FakeHTTPResponse {
        switch route {
        case .user:
            guard caller.identity != "anonymous" else { return .error(401, "Requires authentication") }
            return .json(200, encode(renderUser(caller.login)))
        case .userRepos:
            guard caller.identity != "anonymous" else { return .error(401, "Requires authentication") }
            let login = caller.login.lowercased()
            let visible = repositoryOrder.compactMap { repositories[$0] }.filter { repo in
                repo.owner.lowercased() == login || repo.collaborators.contains { $0.login.lowercased() == login }
            }
            return paginate(visible, request) { renderRepository($0, viewer: caller.login) }
        case .orgRepos(let org):
            guard organizations[org.lowercased()] != nil || repositoryOrder.contains(where: { $0.hasPrefix(org.lowercased() + "/") }) else {
                return .error(404, "Not Found")
            }
            let repos = repositoryOrder.compactMap { repositories[$0] }.filter { $0.owner.lowercased() == org.lowercased() }
            return paginate(repos, request) { renderRepository($0, viewer: caller.login) }
        case .orgTeams(let org):
            guard let organization = organizations[org.lowercased()] else { return .error(404, "Not Found") }
            return paginate(organization.teams, request, render: renderTeam)
        case .repo(let owner, let name):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            return .json(200, encode(renderRepository(repo, viewer: caller.login)))
        case .branches(let owner, let name):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            let branches = repo.branches.sorted { $0.name < $1.name }
            return paginate(branches, request) { branch in
                GitHubBranch(name: branch.name,
                             commit: .init(sha: branch.sha, url: "\(apiBaseURL)/repos/\(repo.fullName)/commits/\(branch.sha)"),
                             protected: branch.protected ?? false)
            }
        case .branch(let owner, let name, let branchName):
            guard let repo = repositories["\(owner)/\(name)".lowercased()],
                let branch = repo.branches.first(where: { $0.name == branchName })
            else { return .error(404, "Branch not found") }
            return .json(200, encode(GitHubBranch(name: branch.name, commit: .init(sha: branch.sha), protected: branch.protected ?? false)))
        case .collaborators(let owner, let name):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            return paginate(repo.collaborators, request, render: renderCollaborator)
        case .listIssues(let owner, let name):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            return paginate(filteredIssues(repo.issues, request, pullsOnly: false), request) { renderIssue($0, in: repo) }
        case .getIssue(let owner, let name, let number):
            guard let repo = repositories["\(owner)/\(name)".lowercased()], let issue = repo.issues.first(where: { $0.number == number })
            else { return .error(404, "Not Found") }
            return .json(200, encode(renderIssue(issue, in: repo)))
        case .listPulls(let owner, let name):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            let repository = renderRepository(repo)
            return paginate(filteredIssues(repo.issues, request, pullsOnly: true), request) { issue in
                renderPull(issue, in: repo, repository: repository)
            }
        case .getPull(let owner, let name, let number):
            guard let repo = repositories["\(owner)/\(name)".lowercased()],
                let issue = repo.issues.first(where: { $0.number == number }), let pull = renderPull(issue, in: repo)
            else { return .error(404, "Not Found") }
            return .json(200, encode(pull))
        case .listHooks(let owner, let name):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            return paginate(repo.hooks, request) { renderHook($0, in: repo) }
        case .tree(let owner, let name, let sha):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            let recursive = request.query["recursive"] != nil
            let tree = renderTree(repo, recursive: recursive)
            let known = repo.branches.contains { $0.name == sha || $0.sha == sha } || sha == tree.sha
            guard known else { return .error(404, "Not Found") }
            return .json(200, encode(tree))
        case .blob(let owner, let name, let sha):
            guard let repo = repositories["\(owner)/\(name)".lowercased()],
                let content = repo.files.values.first(where: { Self.blobSHA($0) == sha })
            else { return .error(404, "Not Found") }
            var blob = GitHubBlob(sha: sha, content: Data(content.utf8))
            blob.url = "\(apiBaseURL)/repos/\(repo.fullName)/git/blobs/\(sha)"
            blob.nodeID = "B_\(sha.prefix(8))"
            return .json(200, encode(blob))
        case .commits(let owner, let name):
            guard let repo = repositories["\(owner)/\(name)".lowercased()] else { return .error(404, "Not Found") }
            let branchName = request.query["sha"] ?? repo.defaultBranch
            guard let branch = repo.branches.first(where: { $0.name == branchName || $0.sha == branchName }) else {
                return .json(200, Data("[]".utf8))
            }
            let commit: [String: JSONValue] = [
                "sha": .string(branch.sha),
                "commit": .object([
                    "message": .string(branch.message ?? ""),
                    "author": .object(["name": .string(branch.author ?? repo.owner), "date": .string(GitHubDate(branch.committedDate).iso8601)]),
                    "committer": .object(["name": .string(branch.author ?? repo.owner), "date": .string(GitHubDate(branch.committedDate).iso8601)]),
                    "tree": .object(["sha": .string(renderTree(repo, recursive: false).sha)]),
                ]),
                "parents": .array([]),
            ]
            return .json(200, encode([JSONValue.object(commit)]))
        case .appInstallation(let id):
            guard let (app, installation) = findInstallation(id, appID: caller.appID) else { return .error(404, "Not Found") }
            return .json(200, encode(renderInstallation(installation, app: app)))
        case .rateLimit:
            return .json(200, encode(rateLimitOverview(for: caller.identity)))
        case .userByLogin(let login):
            return userProfile(login)
        case .searchUsers:
            return searchUsers(request)
        case .git(let owner, let name, let gitRoute):
            return handleGit(gitRoute, owner: owner, name: name, request: request, caller: caller)
        case .appAPI(let appRoute):
            return handleApp(appRoute, request: request, caller: caller)
        case .graphQL, .teamRepo, .collaborator, .createIssue, .updateIssue, .addAssignees, .createPull, .requestReviewers,
            .createHook, .deleteHook, .accessToken:
            return .error(404, "Not Found")
        }
    }

    /// Issues list semantics: `state` (default open), `since` (updated at or after), `sort`
    /// (created|updated|comments, default created), `direction` (default desc).
    /// Pulls list: `state`, `sort` (created|updated|popularity|long-running), `direction` (desc for
    /// created or unspecified, else asc), `head`, `base`.
    func filteredIssues(_ issues: [FakeIssue], _ request: FakeHTTPRequest, pullsOnly: Bool) -> [FakeIssue] {
        // Walking 100 pages of a 12,000-item repository would re-sort it 100 times; cache the order
        // per list (query without `page`) until the state changes.
        let listKey = request.path + "?" + request.queryItems.filter { $0.name != "page" && $0.name != "per_page" }
            .map { "\($0.name)=\($0.value ?? "")" }.sorted().joined(separator: "&")
        if let cached = listCache[listKey], cached.version == version { return cached.items }
        let result = sortedIssues(issues, request, pullsOnly: pullsOnly)
        listCache[listKey] = (version, result)
        return result
    }

    private func sortedIssues(_ issues: [FakeIssue], _ request: FakeHTTPRequest, pullsOnly: Bool) -> [FakeIssue] {
        let query = request.query
        let state = query["state"] ?? "open"
        let since = query["since"].flatMap { GitHubDate(iso8601: $0)?.date }
        let sort = query["sort"] ?? "created"
        let defaultDirection = pullsOnly && sort != "created" ? "asc" : "desc"
        let ascending = (query["direction"] ?? defaultDirection) == "asc"
        var selected = issues.filter { issue in
            (!pullsOnly || issue.pull != nil)
                && (state == "all" || issue.state == state)
                && (since.map { issue.updatedAt >= $0 } ?? true)
                && (query["base"].map { issue.pull?.base == $0 } ?? true)
                && (query["head"].map { wanted in Self.headMatches(wanted, issue.pull?.head) } ?? true)
                && (query["creator"].map { issue.user.lowercased() == $0.lowercased() } ?? true)
                && (query["assignee"].map { wanted in (issue.assignees ?? []).contains { $0.lowercased() == wanted.lowercased() } } ?? true)
        }
        func key(_ issue: FakeIssue) -> (Double, Int) {
            switch sort {
            case "updated": return (issue.updatedAt.timeIntervalSince1970, issue.number)
            case "comments": return (Double(issue.comments ?? 0), issue.number)
            default: return (issue.createdAt.timeIntervalSince1970, issue.number)
            }
        }
        selected.sort { ascending ? key($0) < key($1) : key($0) > key($1) }
        return selected
    }

    /// `head` as GitHub takes it: `user:branch` (the fake has no forks, so the user part is not checked)
    /// or a bare branch.
    static func headMatches(_ wanted: String, _ head: String?) -> Bool {
        guard let head else { return false }
        let branch = wanted.split(separator: ":", maxSplits: 1).last.map(String.init) ?? wanted
        return branch == head
    }

    /// `per_page` (default ``FakeGitHubOptions/defaultPerPage``, max 100) and `page`, with GitHub's
    /// `Link` header (`first`/`prev` after page 1, `next`/`last` before the end).
    func paginate<Item, Rendered: Encodable>(_ items: [Item], _ request: FakeHTTPRequest, render: (Item) -> Rendered?) -> FakeHTTPResponse {
        let query = request.query
        let perPage = min(max(Int(query["per_page"] ?? "") ?? options.defaultPerPage, 1), 100)
        let page = max(Int(query["page"] ?? "") ?? 1, 1)
        let lastPage = max((items.count + perPage - 1) / perPage, 1)
        let start = min((page - 1) * perPage, items.count)
        let end = min(start + perPage, items.count)
        let rendered = items[start..<end].compactMap(render)

        func link(_ target: Int) -> String {
            var components = URLComponents(string: publicBaseURL + request.target) ?? URLComponents()
            var queryItems = (components.queryItems ?? []).filter { $0.name != "page" }
            queryItems.append(URLQueryItem(name: "page", value: String(target)))
            components.queryItems = queryItems
            return components.string ?? ""
        }
        var links: [String] = []
        if page < lastPage {
            links.append("<\(link(page + 1))>; rel=\"next\"")
            links.append("<\(link(lastPage))>; rel=\"last\"")
        }
        if page > 1 {
            links.append("<\(link(1))>; rel=\"first\"")
            links.append("<\(link(min(page - 1, lastPage)))>; rel=\"prev\"")
        }
        return .json(200, encode(rendered), headers: links.isEmpty ? [] : [("Link", links.joined(separator: ", "))])
    }

    func rateLimitOverview(for identity: String) -> GitHubRateLimitOverview {
        var resources: [String: GitHubRateLimitOverview.Resource] = [:]
        for resource in ["core", "graphql", "search"] {
            let bucket = currentBucket(identity: identity, resource: resource)
            resources[resource] = .init(limit: bucket.limit, remaining: max(bucket.limit - bucket.used, 0),
                                        reset: GitHubDate(Date(timeIntervalSince1970: bucket.resetAt.timeIntervalSince1970.rounded(.up))),
                                        used: bucket.used, resource: resource)
        }
        return GitHubRateLimitOverview(resources: resources, rate: resources["core"])
    }

    func findInstallation(_ id: Int64, appID: Int64?) -> (FakeApp, FakeInstallation)? {
        for app in apps.values where appID == nil || app.id == appID {
            if let installation = app.installations.first(where: { $0.id == id }) { return (app, installation) }
        }
        return nil
    }

    func renderInstallation(_ installation: FakeInstallation, app: FakeApp) -> GitHubInstallation {
        var result = GitHubInstallation(id: installation.id, account: renderUser(installation.account), appID: app.id)
        result.appSlug = app.slug
        result.clientID = app.clientID
        result.targetType = organizations[installation.account.lowercased()] != nil ? "Organization" : "User"
        result.targetID = result.account?.id
        result.repositorySelection = installation.repositories == nil ? "all" : "selected"
        result.permissions = ["contents": "read", "metadata": "read", "issues": "write", "pull_requests": "write"]
        result.events = ["push", "issues", "pull_request"]
        result.accessTokensURL = "\(apiBaseURL)/app/installations/\(installation.id)/access_tokens"
        result.createdAt = GitHubDate(Date(timeIntervalSince1970: (installation.createdAt ?? Date(timeIntervalSince1970: 1_700_000_000)).timeIntervalSince1970.rounded(.down)))
        result.updatedAt = result.createdAt
        if installation.suspended == true { result.suspendedAt = result.createdAt }
        return result
    }
}
