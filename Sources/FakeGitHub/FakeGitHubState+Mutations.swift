import Foundation
import GitHub

/// REST mutations. Each changes the state and queues the webhooks GitHub would send.
extension FakeGitHubState {
    func handleWrite(_ route: FakeRoute, request: FakeHTTPRequest, caller: Caller) -> HandlerResult {
        if case .graphQL = route { return HandlerResult(response: handleGraphQL(request, caller: caller)) }
        if case .appAPI(let appRoute) = route { return HandlerResult(response: handleApp(appRoute, request: request, caller: caller)) }
        if case .accessToken(let id) = route {
            guard let (app, installation) = findInstallation(id, appID: caller.appID) else { return HandlerResult(response: .error(404, "Not Found")) }
            if installation.suspended == true { return HandlerResult(response: .error(403, "This installation has been suspended")) }
            let (token, expiresAt) = mintInstallationToken(app: app, installation: installation)
            var result = GitHubInstallationToken(
                token: GitHubToken(token), expiresAt: GitHubDate(expiresAt), permissions: ["contents": "read", "metadata": "read"])
            result.repositorySelection = installation.repositories == nil ? "all" : "selected"
            return HandlerResult(response: .json(201, encode(result)))
        }
        guard caller.identity != "anonymous" else { return HandlerResult(response: .error(401, "Requires authentication")) }
        let body = (try? JSONDecoder().decode(JSONValue.self, from: request.body)) ?? .object([:])
        let now = options.now()

        switch route {
        case .createIssue(let owner, let name):
            guard var repo = repositories["\(owner)/\(name)".lowercased()] else { return notFound }
            guard let title = body["title"]?.stringValue, !title.isEmpty else {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "Issue", "code": "missing_field", "field": "title"]]))
            }
            let number = (repo.issues.map(\.number).max() ?? 0) + 1
            let issue = FakeIssue(
                number: number, id: newID(), title: title, body: body["body"]?.stringValue, user: caller.login,
                labels: strings(body["labels"]), assignees: strings(body["assignees"]), createdAt: now)
            repo.issues.append(issue)
            repo.updatedAt = now
            repositories[repo.fullName.lowercased()] = repo
            let rendered = renderIssue(issue, in: repo)
            return HandlerResult(
                response: .json(201, encode(rendered)),
                webhooks: webhooks(repo, event: "issues", action: "opened", payload: ["issue": jsonValue(rendered)], sender: caller.login))

        case .updateIssue(let owner, let name, let number):
            guard var repo = repositories["\(owner)/\(name)".lowercased()],
                let index = repo.issues.firstIndex(where: { $0.number == number })
            else { return notFound }
            var issue = repo.issues[index]
            let before = issue
            if let title = body["title"]?.stringValue { issue.title = title }
            if let text = body["body"] { issue.body = text.stringValue }
            if let assignees = body["assignees"] { issue.assignees = strings(assignees) }
            if let labels = body["labels"] { issue.labels = strings(labels) }
            if let state = body["state"]?.stringValue {
                guard state == "open" || state == "closed" else {
                    return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "Issue", "code": "invalid", "field": "state"]]))
                }
                if state != issue.state {
                    issue.state = state
                    issue.closedAt = state == "closed" ? now : issue.closedAt
                    issue.stateReason = state == "closed" ? (body["state_reason"]?.stringValue ?? "completed") : "reopened"
                }
            }
            issue.updatedAt = now
            repo.issues[index] = issue
            repositories[repo.fullName.lowercased()] = repo
            let action: String
            if before.state != issue.state {
                action = issue.state == "closed" ? "closed" : "reopened"
            } else if Set(before.assignees ?? []) != Set(issue.assignees ?? []) {
                action = Set(issue.assignees ?? []).isSuperset(of: Set(before.assignees ?? [])) ? "assigned" : "unassigned"
            } else {
                action = "edited"
            }
            let rendered = renderIssue(issue, in: repo)
            var payload: [String: JSONValue] = ["issue": jsonValue(rendered)]
            if action == "edited" { payload["changes"] = changes(before: before, after: issue) }
            if action == "assigned" || action == "unassigned" {
                let changed = Set(issue.assignees ?? []).symmetricDifference(Set(before.assignees ?? [])).sorted().first
                if let changed { payload["assignee"] = jsonValue(renderUser(changed)) }
            }
            var hooks = webhooks(repo, event: "issues", action: action, payload: payload, sender: caller.login)
            if issue.pull != nil, let pull = renderPull(issue, in: repo) {
                hooks = webhooks(repo, event: "pull_request", action: action,
                                 payload: ["number": .number(Double(number)), "pull_request": jsonValue(pull)], sender: caller.login)
            }
            return HandlerResult(response: .json(200, encode(rendered)), webhooks: hooks)

        case .addAssignees(let owner, let name, let number):
            return addAssignees(owner: owner, repo: name, number: number, body: body, caller: caller)

        case .createPull(let owner, let name):
            guard var repo = repositories["\(owner)/\(name)".lowercased()] else { return notFound }
            guard let title = body["title"]?.stringValue, let head = body["head"]?.stringValue, let base = body["base"]?.stringValue else {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "PullRequest", "code": "missing_field", "field": "head"]]))
            }
            let headBranch = head.split(separator: ":").last.map(String.init) ?? head
            guard let headRecord = repo.branches.first(where: { $0.name == headBranch }) else {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "PullRequest", "code": "invalid", "field": "head"]]))
            }
            guard repo.branches.contains(where: { $0.name == base }) else {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "PullRequest", "code": "invalid", "field": "base"]]))
            }
            if repo.issues.contains(where: { $0.state == "open" && $0.pull?.head == headBranch && $0.pull?.base == base }) {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [
                    ["resource": "PullRequest", "code": "custom", "message": "A pull request already exists for \(owner):\(headBranch)."],
                ]))
            }
            let number = (repo.issues.map(\.number).max() ?? 0) + 1
            let issue = FakeIssue(
                number: number, id: newID(), title: title, body: body["body"]?.stringValue, user: caller.login, createdAt: now,
                pull: FakePull(id: newID(), head: headBranch, headSHA: headRecord.sha, base: base, draft: body["draft"]?.boolValue ?? false))
            repo.issues.append(issue)
            repositories[repo.fullName.lowercased()] = repo
            guard let rendered = renderPull(issue, in: repo) else { return notFound }
            return HandlerResult(
                response: .json(201, encode(rendered)),
                webhooks: webhooks(repo, event: "pull_request", action: "opened",
                                   payload: ["number": .number(Double(number)), "pull_request": jsonValue(rendered)], sender: caller.login))

        case .requestReviewers(let owner, let name, let number):
            guard var repo = repositories["\(owner)/\(name)".lowercased()],
                let index = repo.issues.firstIndex(where: { $0.number == number && $0.pull != nil }),
                var pull = repo.issues[index].pull
            else { return notFound }
            let reviewers = strings(body["reviewers"])
            let teams = strings(body["team_reviewers"])
            if reviewers.contains(where: { $0.lowercased() == repo.issues[index].user.lowercased() }) {
                return HandlerResult(response: .error(422, "Review cannot be requested from pull request author."))
            }
            let allowed = Set(repo.collaborators.map { $0.login.lowercased() } + [repo.owner.lowercased()])
            if let stranger = reviewers.first(where: { !allowed.contains($0.lowercased()) }) {
                return HandlerResult(response: .error(422, "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the \(repo.fullName) repository.",
                                                      errors: [["resource": "PullRequest", "code": "invalid", "field": "reviewers", "value": stranger]]))
            }
            var requested = pull.requestedReviewers ?? []
            let added = reviewers.filter { login in !requested.contains { $0.lowercased() == login.lowercased() } }
            requested.append(contentsOf: added)
            pull.requestedReviewers = requested
            pull.requestedTeams = Array(Set((pull.requestedTeams ?? []) + teams)).sorted()
            repo.issues[index].pull = pull
            repo.issues[index].updatedAt = now
            repositories[repo.fullName.lowercased()] = repo
            guard let rendered = renderPull(repo.issues[index], in: repo) else { return notFound }
            var hooks: [OutgoingWebhook] = []
            for login in added {
                hooks += webhooks(repo, event: "pull_request", action: "review_requested",
                                  payload: ["number": .number(Double(number)), "pull_request": jsonValue(rendered),
                                            "requested_reviewer": jsonValue(renderUser(login))], sender: caller.login)
            }
            return HandlerResult(response: .json(201, encode(rendered)), webhooks: hooks)

        case .collaborator(let owner, let name, let login, let method):
            guard var repo = repositories["\(owner)/\(name)".lowercased()] else { return notFound }
            let existing = repo.collaborators.firstIndex { $0.login.lowercased() == login.lowercased() }
            if method == "DELETE" {
                guard let existing else { return HandlerResult(response: .noContent) }
                repo.collaborators.remove(at: existing)
                repositories[repo.fullName.lowercased()] = repo
                return HandlerResult(response: .noContent, webhooks: webhooks(
                    repo, event: "member", action: "removed", payload: ["member": jsonValue(renderUser(login))], sender: caller.login))
            }
            let permission = body["permission"]?.stringValue ?? "push"
            guard ["pull", "triage", "push", "maintain", "admin"].contains(permission) else {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "Repository", "code": "invalid", "field": "permission"]]))
            }
            if let existing {
                repo.collaborators[existing].permission = permission
                repositories[repo.fullName.lowercased()] = repo
                return HandlerResult(response: .noContent)
            }
            // GitHub sends an invitation (201); the fake accepts it at once so the mirror can see it.
            repo.collaborators.append(FakeCollaborator(login: login, permission: permission))
            repositories[repo.fullName.lowercased()] = repo
            let invitation: [String: JSONValue] = [
                "id": .number(Double(newID())), "invitee": jsonValue(renderUser(login)), "inviter": jsonValue(renderUser(caller.login)),
                "permissions": .string(Self.roleName(permission)), "created_at": .string(GitHubDate(now).iso8601),
                "repository": jsonValue(renderRepository(repo)), "html_url": .string("https://github.com/\(repo.fullName)/invitations"),
            ]
            return HandlerResult(response: .json(201, encode(JSONValue.object(invitation))), webhooks: webhooks(
                repo, event: "member", action: "added", payload: ["member": jsonValue(renderUser(login))], sender: caller.login))

        case .teamRepo(let org, let slug, let owner, let name, let method):
            guard var organization = organizations[org.lowercased()],
                let index = organization.teams.firstIndex(where: { $0.slug == slug }),
                repositories["\(owner)/\(name)".lowercased()] != nil
            else { return notFound }
            let permission = body["permission"]?.stringValue ?? "push"
            if method != "DELETE", !["pull", "triage", "push", "maintain", "admin"].contains(permission) {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "Team", "code": "invalid", "field": "permission"]]))
            }
            var repos = organization.teams[index].repositories ?? [:]
            repos["\(owner)/\(name)"] = method == "DELETE" ? nil : permission
            organization.teams[index].repositories = repos
            organizations[org.lowercased()] = organization
            return HandlerResult(response: .noContent)

        case .createHook(let owner, let name):
            guard var repo = repositories["\(owner)/\(name)".lowercased()] else { return notFound }
            guard let url = body["config"]?["url"]?.stringValue, !url.isEmpty else {
                return HandlerResult(response: .error(422, "Validation Failed", errors: [["resource": "Hook", "code": "custom", "message": "Config must contain URL for webhooks"]]))
            }
            let events = body["events"].map(strings) ?? ["push"]
            let hook = FakeHook(id: newID(), url: url, secret: body["config"]?["secret"]?.stringValue, events: events,
                                active: body["active"]?.boolValue ?? true, createdAt: now)
            repo.hooks.append(hook)
            repositories[repo.fullName.lowercased()] = repo
            let rendered = renderHook(hook, in: repo)
            let ping: [String: JSONValue] = [
                "zen": .string("Keep it logically awesome."), "hook_id": .number(Double(hook.id)), "hook": jsonValue(rendered),
                "repository": jsonValue(renderRepository(repo)), "sender": jsonValue(renderUser(caller.login)),
            ]
            let delivery = OutgoingWebhook(url: url, secret: hook.secret, event: "ping", action: nil,
                                           deliveryID: UUID().uuidString.lowercased(), body: encode(JSONValue.object(ping)))
            return HandlerResult(response: .json(201, encode(rendered)), webhooks: hook.active ? [delivery] : [])

        case .deleteHook(let owner, let name, let id):
            guard var repo = repositories["\(owner)/\(name)".lowercased()], let index = repo.hooks.firstIndex(where: { $0.id == id }) else {
                return notFound
            }
            repo.hooks.remove(at: index)
            repositories[repo.fullName.lowercased()] = repo
            return HandlerResult(response: .noContent)

        default:
            return notFound
        }
    }

    var notFound: HandlerResult { HandlerResult(response: .error(404, "Not Found")) }

    func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { $0.stringValue ?? $0["name"]?.stringValue }
    }

    func changes(before: FakeIssue, after: FakeIssue) -> JSONValue {
        var changes: [String: JSONValue] = [:]
        if before.title != after.title { changes["title"] = .object(["from": .string(before.title)]) }
        if before.body != after.body { changes["body"] = .object(["from": before.body.map(JSONValue.string) ?? .null]) }
        return .object(changes)
    }

    // MARK: Webhooks

    /// The deliveries for one event: to the configured URL and to every active hook of the
    /// repository subscribed to the event (or `*`).
    func webhooks(_ repo: FakeRepository, event: String, action: String?, payload: [String: JSONValue], sender: String) -> [OutgoingWebhook] {
        var object = payload
        if let action { object["action"] = .string(action) }
        object["repository"] = jsonValue(renderRepository(repo))
        object["sender"] = jsonValue(renderUser(sender))
        if organizations[repo.owner.lowercased()] != nil {
            object["organization"] = .object(["login": .string(repo.owner), "id": .number(Double(renderUser(repo.owner).id))])
        }
        let body = encode(JSONValue.object(object))
        var targets: [(String, String?)] = []
        if let url = options.webhookURL { targets.append((url, options.webhookSecret)) }
        for hook in repo.hooks where hook.active && (hook.events.contains(event) || hook.events.contains("*")) {
            targets.append((hook.url, hook.secret))
        }
        return targets.map { url, secret in
            OutgoingWebhook(url: url, secret: secret, event: event, action: action, deliveryID: UUID().uuidString.lowercased(), body: body)
        }
    }

    // MARK: Direct changes (tests, demo)

    /// Replaces files on the default branch as a push would: new head commit, `push` webhook.
    /// A nil content deletes the file. Returns the webhooks to send (the server sends them).
    func commitFiles(_ fullName: String, changes: [String: String?], message: String, author: String) -> [OutgoingWebhook] {
        push(fullName, changes: changes, message: message, author: author)?.1 ?? []
    }
}
