import Foundation
import GitHub

/// Users and assignees: `GET /users/{login}`, `GET /search/users`, `POST …/issues/{n}/assignees`,
/// GraphQL `UsersByLogin`.
extension FakeGitHubState {
    /// The permission team `slug` of `org` has on `fullName` (`owner/repo`), nil when none (for tests).
    public func teamPermission(org: String, slug: String, repository fullName: String) -> String? {
        organizations[org.lowercased()]?.teams.first { $0.slug == slug }?.repositories?
            .first { $0.key.lowercased() == fullName.lowercased() }?.value
    }

    /// Adds or replaces a user (e.g. one with a public e-mail, for search tests).
    public func upsertUser(_ user: FakeUser) {
        users[user.login.lowercased()] = user
        version += 1
    }

    /// `GET /users/{login}`: seeded users and organisations only (GitHub answers 404 for unknown logins).
    func userProfile(_ rawLogin: String) -> FakeHTTPResponse {
        let login = rawLogin.removingPercentEncoding ?? rawLogin
        guard let record = users[login.lowercased()] else { return .error(404, "Not Found") }
        return .json(200, encode(renderProfile(record)))
    }

    func renderProfile(_ record: FakeUser) -> GitHubUserProfile {
        let user = renderUser(record.login)
        var profile = GitHubUserProfile(id: user.id, login: user.login, type: user.type, name: record.name, email: record.email)
        profile.nodeID = user.nodeID
        profile.avatarURL = user.avatarURL
        profile.htmlURL = user.htmlURL
        profile.bio = record.bio
        profile.location = record.location
        profile.company = record.company
        profile.blog = ""
        profile.publicRepos = repositories.values.filter { $0.owner.lowercased() == record.login.lowercased() && !$0.private }.count
        profile.followers = 0
        profile.following = 0
        profile.createdAt = GitHubDate(Date(timeIntervalSince1970: 1_600_000_000))
        profile.updatedAt = profile.createdAt
        return profile
    }

    /// `GET /search/users?q=…`: terms plus the qualifiers `in:email|login|name` and `type:user|org`.
    /// A term matches a whole public e-mail (case-insensitively) under `in:email`, else a substring of
    /// the login. No `q` (or only qualifiers) is GitHub's 422.
    func searchUsers(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        let q = Self.formValue("q", in: request.target) ?? ""
        var fields: Set<String> = []
        var type: String?
        var terms: [String] = []
        for word in q.split(separator: " ").map(String.init) {
            if word.lowercased().hasPrefix("in:") {
                fields.formUnion(word.dropFirst(3).lowercased().split(separator: ",").map(String.init))
            } else if word.lowercased().hasPrefix("type:") {
                type = String(word.dropFirst(5)).lowercased()
            } else {
                terms.append(word.lowercased())
            }
        }
        guard !terms.isEmpty else {
            return .error(422, "Validation Failed", errors: [["resource": "Search", "field": "q", "code": "missing"]])
        }
        if fields.isEmpty { fields = ["login", "email", "name"] }
        let matches = users.values.filter { user in
            if let type, (type == "org") != (user.type == "Organization") { return false }
            return terms.allSatisfy { term in
                (fields.contains("email") && user.email?.lowercased() == term)
                    || (fields.contains("login") && user.login.lowercased().contains(term))
                    || (fields.contains("name") && (user.name?.lowercased().contains(term) ?? false))
            }
        }.sorted { $0.login.lowercased() < $1.login.lowercased() }
        let perPage = min(max(Int(request.query["per_page"] ?? "") ?? 30, 1), 100)
        let items: [JSONValue] = matches.prefix(perPage).map { record in
            guard case .object(var object) = jsonValue(renderUser(record.login)) else { return .null }
            // Search items are "simple users" with a score; no profile fields.
            object["name"] = nil
            object["email"] = nil
            object["score"] = .number(1)
            return .object(object)
        }
        return .json(200, encode(JSONValue.object([
            "total_count": .number(Double(matches.count)), "incomplete_results": .bool(false), "items": .array(items),
        ])))
    }

    /// A query parameter decoded as a form value: `+` is a space, `%2B` a plus (URLComponents keeps
    /// both as `+`, which would split `a+b@example.com`).
    static func formValue(_ name: String, in target: String) -> String? {
        guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first.map(String.init) == name else { continue }
            let raw = parts.count > 1 ? String(parts[1]) : ""
            return raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    /// `POST /repos/{o}/{r}/issues/{n}/assignees`: adds (at most 10), keeps existing ones; 201 with the issue.
    func addAssignees(owner: String, repo name: String, number: Int, body: JSONValue, caller: Caller) -> HandlerResult {
        guard var repo = repositories["\(owner)/\(name)".lowercased()],
              let index = repo.issues.firstIndex(where: { $0.number == number })
        else { return notFound }
        let wanted = strings(body["assignees"])
        var assignees = repo.issues[index].assignees ?? []
        let added = wanted.prefix(10).filter { login in !assignees.contains { $0.lowercased() == login.lowercased() } }
        assignees.append(contentsOf: added)
        repo.issues[index].assignees = assignees
        if !added.isEmpty { repo.issues[index].updatedAt = options.now() }
        repositories[repo.fullName.lowercased()] = repo
        let rendered = renderIssue(repo.issues[index], in: repo)
        var hooks: [OutgoingWebhook] = []
        for login in added {
            hooks += webhooks(repo, event: "issues", action: "assigned",
                              payload: ["issue": jsonValue(rendered), "assignee": jsonValue(renderUser(login))], sender: caller.login)
        }
        return HandlerResult(response: .json(201, encode(rendered)), webhooks: hooks)
    }

    /// GraphQL `UsersByLogin`: alias `u<i>` answers variable `l<i>` with `{login databaseId name email}`,
    /// or null plus a `NOT_FOUND` error as GitHub does for an unknown login (and for organisations).
    /// `email` is `""` when there is no public e-mail, as on GitHub.
    func usersByLogin(variables: JSONValue, rateLimit: JSONValue) -> FakeHTTPResponse {
        guard case .object = variables else { return .error(400, "Problems parsing JSON") }
        let (users, errors) = userAliases(variables: variables)
        var data = users
        data["rateLimit"] = rateLimit
        var body: [String: JSONValue] = ["data": .object(data)]
        if !errors.isEmpty { body["errors"] = .array(errors) }
        return .json(200, encode(JSONValue.object(body)))
    }

    /// The `u<i>: user(login: $l<i>)` fields of a query, answered for its `l<i>` variables (any
    /// query may carry them: the sync asks for members' e-mail along with its branch heads).
    func userAliases(variables: JSONValue) -> (data: [String: JSONValue], errors: [JSONValue]) {
        guard case .object(let given) = variables else { return ([:], []) }
        var data: [String: JSONValue] = [:]
        var errors: [JSONValue] = []
        for (name, value) in given where name.hasPrefix("l") && Int(name.dropFirst()) != nil {
            let alias = "u" + name.dropFirst()
            guard let login = value.stringValue, let record = users[login.lowercased()], record.type != "Organization" else {
                data[alias] = .null
                errors.append(.object([
                    "type": .string("NOT_FOUND"), "path": .array([.string(alias)]),
                    "message": .string("Could not resolve to a User with the login of '\(value.stringValue ?? "")'."),
                ]))
                continue
            }
            data[alias] = .object([
                "login": .string(record.login), "databaseId": .number(Double(renderUser(record.login).id)),
                "name": record.name.map(JSONValue.string) ?? .null, "email": .string(record.email ?? ""),
            ])
        }
        return (data, errors)
    }
}
