import Foundation
import GitHub

/// The GitHub App side: `/app`, `/app/installations`, `/installation/repositories`,
/// `/user/installations`, and the installation lifecycle with the deliveries GitHub sends the App.
extension FakeGitHubState {
    func handleApp(_ route: FakeAppRoute, request: FakeHTTPRequest, caller: Caller) -> FakeHTTPResponse {
        switch route {
        case .app:
            guard let appID = caller.appID, let app = apps[appID] else { return .error(404, "Not Found") }
            var result = GitHubApp(id: app.id, slug: app.slug, name: app.slug.map { $0.replacingOccurrences(of: "-", with: " ").capitalized })
            result.clientID = app.clientID
            result.nodeID = "A_\(app.id)"
            result.htmlURL = "https://github.com/apps/\(app.slug ?? String(app.id))"
            result.permissions = ["contents": "read", "metadata": "read"]
            result.events = ["push"]
            result.installationsCount = app.installations.count
            return .json(200, encode(result))
        case .installations:
            guard let appID = caller.appID, let app = apps[appID] else { return .error(404, "Not Found") }
            return paginate(app.installations, request) { renderInstallation($0, app: app) }
        case .installationRepositories:
            guard let id = caller.installationID, let (_, installation) = findInstallation(id, appID: nil) else {
                return .error(403, "This endpoint requires an installation access token")
            }
            let visible = repositoryOrder.compactMap { repositories[$0] }.filter { Self.covers(installation, $0) }
            let body: [String: JSONValue] = [
                "total_count": .number(Double(visible.count)),
                "repository_selection": .string(installation.repositories == nil ? "all" : "selected"),
                "repositories": .array(visible.map { jsonValue(renderRepository($0)) }),
            ]
            return .json(200, encode(JSONValue.object(body)))
        case .userInstallations:
            guard caller.identity != "anonymous", caller.installationID == nil, caller.appID == nil else {
                return .error(403, "You must authenticate with an access token authorized to a GitHub App in order to list installations")
            }
            let login = caller.login.lowercased()
            var visible: [GitHubInstallation] = []
            for app in apps.values.sorted(by: { $0.id < $1.id }) {
                for installation in app.installations where installation.account.lowercased() == login
                    || (installation.members ?? []).contains(where: { $0.lowercased() == login }) {
                    visible.append(renderInstallation(installation, app: app))
                }
            }
            return .json(200, encode(GitHubUserInstallations(totalCount: visible.count, installations: visible)))
        case .oauthAccessToken:
            return exchangeCode(request)
        }
    }

    /// A code made by ``authorizationCode(for:)``, once, for the App whose client id and secret
    /// come with it → a user token (`ghu_…`) for that login. GitHub answers failures with 200 and `error`.
    func exchangeCode(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        var fields: [String: String] = [:]
        if case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: request.body) {
            for (key, value) in object { fields[key] = value.stringValue }
        } else if let components = URLComponents(string: "http://x/?" + String(decoding: request.body, as: UTF8.self)) {
            for item in components.queryItems ?? [] { fields[item.name] = item.value }
        }
        func failure(_ error: String, _ description: String) -> FakeHTTPResponse {
            .json(200, encode(JSONValue.object(["error": .string(error), "error_description": .string(description)])))
        }
        guard let app = apps.values.first(where: { $0.clientID != nil && $0.clientID == fields["client_id"] }),
              let secret = app.clientSecret, secret == fields["client_secret"] else {
            return failure("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
        }
        guard let code = fields["code"], let login = oauthCodes.removeValue(forKey: code) else {
            return failure("bad_verification_code", "The code passed is incorrect or expired.")
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let token = "ghu_" + String((0..<36).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
        tokens[token] = TokenGrant(login: login, expiresAt: options.now().addingTimeInterval(8 * 3600))
        return .json(200, encode(JSONValue.object(["access_token": .string(token), "token_type": .string("bearer"), "scope": .string("")])))
    }

    /// A web-flow authorization code for `login`, as GitHub hands one to the callback after the
    /// user authorized the App.
    public func authorizationCode(for login: String) -> String {
        let code = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        oauthCodes[code] = login
        return code
    }

    /// Deliveries to every App with a webhook URL whose installation covers `repo`, each with
    /// `installation: {id, node_id}` as GitHub adds it to events delivered to an App.
    func appDeliveries(covering repo: FakeRepository, event: String, action: String?, payload: [String: JSONValue], sender: String) -> [OutgoingWebhook] {
        var out: [OutgoingWebhook] = []
        for app in apps.values.sorted(by: { $0.id < $1.id }) {
            guard let url = app.webhookURL else { continue }
            for installation in app.installations where installation.suspended != true && Self.covers(installation, repo) {
                var object = payload
                if let action { object["action"] = .string(action) }
                object["repository"] = jsonValue(renderRepository(repo))
                object["sender"] = jsonValue(renderUser(sender))
                object["installation"] = .object(["id": .number(Double(installation.id)), "node_id": .string("I_\(installation.id)")])
                out.append(OutgoingWebhook(url: url, secret: app.webhookSecret, event: event, action: action,
                                           deliveryID: UUID().uuidString.lowercased(), body: encode(JSONValue.object(object))))
            }
        }
        return out
    }

    /// One `installation` / `installation_repositories` delivery to the App (full installation object).
    func lifecycleDelivery(app: FakeApp, installation: FakeInstallation, event: String, action: String, extra: [String: JSONValue], sender: String)
        -> [OutgoingWebhook] {
        guard let url = app.webhookURL else { return [] }
        var object = extra
        object["action"] = .string(action)
        var rendered = jsonValue(renderInstallation(installation, app: app))
        if case .object(var fields) = rendered {
            fields["repositories_url"] = .string("\(apiBaseURL)/installation/repositories")
            fields["html_url"] = .string("https://github.com/settings/installations/\(installation.id)")
            rendered = .object(fields)
        }
        object["installation"] = rendered
        object["sender"] = jsonValue(renderUser(sender))
        return [OutgoingWebhook(url: url, secret: app.webhookSecret, event: event, action: action,
                                deliveryID: UUID().uuidString.lowercased(), body: encode(JSONValue.object(object)))]
    }

    func repositoryStubs(_ installation: FakeInstallation) -> JSONValue {
        let visible = repositoryOrder.compactMap { repositories[$0] }.filter { Self.covers(installation, $0) }
        return .array(visible.map(repositoryStub))
    }

    func repositoryStub(_ repo: FakeRepository) -> JSONValue {
        .object(["id": .number(Double(repo.id)), "node_id": .string("R_\(repo.id)"), "name": .string(repo.name),
                 "full_name": .string(repo.fullName), "private": .bool(repo.private)])
    }

    // MARK: Lifecycle (tests, demo)

    /// Installs the App on `account` (all its repositories, or the named ones) and returns the
    /// new installation id with the `installation.created` delivery.
    func install(appID: Int64, account: String, repositories names: [String]?, sender: String, members: [String]? = nil)
        -> (Int64, [OutgoingWebhook])? {
        guard var app = apps[appID] else { return nil }
        let installation = FakeInstallation(id: newID(), account: account, repositories: names, members: members, createdAt: options.now())
        app.installations.append(installation)
        apps[appID] = app
        version += 1
        let hooks = lifecycleDelivery(app: app, installation: installation, event: "installation", action: "created",
                                      extra: ["repositories": repositoryStubs(installation), "requester": .null], sender: sender)
        return (installation.id, hooks)
    }

    /// `deleted`, `suspend` or `unsuspend`, with the state change GitHub makes.
    func changeInstallation(_ id: Int64, action: String, sender: String) -> [OutgoingWebhook] {
        guard let (app, installation) = findInstallation(id, appID: nil), var stored = apps[app.id],
              let index = stored.installations.firstIndex(where: { $0.id == installation.id }) else { return [] }
        var changed = installation
        switch action {
        case "deleted": stored.installations.remove(at: index)
        case "suspend": changed.suspended = true; stored.installations[index] = changed
        case "unsuspend": changed.suspended = false; stored.installations[index] = changed
        default: return []
        }
        apps[app.id] = stored
        tokens = tokens.filter { $0.value.installationID != id || action == "unsuspend" }
        version += 1
        return lifecycleDelivery(app: stored, installation: changed, event: "installation", action: action,
                                 extra: ["repositories": repositoryStubs(installation)], sender: sender)
    }

    /// Takes repositories away from a "selected" installation (`installation_repositories.removed`).
    func removeRepositories(_ id: Int64, _ names: [String], sender: String) -> [OutgoingWebhook] {
        guard let (app, installation) = findInstallation(id, appID: nil), var stored = apps[app.id],
              let index = stored.installations.firstIndex(where: { $0.id == installation.id }) else { return [] }
        let all = installation.repositories
            ?? repositoryOrder.compactMap { repositories[$0] }.filter { Self.covers(installation, $0) }.map(\.fullName)
        let lowered = Set(names.map { $0.lowercased() })
        var changed = installation
        changed.repositories = all.filter { !lowered.contains($0.lowercased()) }
        stored.installations[index] = changed
        apps[app.id] = stored
        version += 1
        let removed = names.compactMap { repositories[$0.lowercased()] }.map(repositoryStub)
        return lifecycleDelivery(app: stored, installation: changed, event: "installation_repositories", action: "removed",
                                 extra: ["repository_selection": .string("selected"), "repositories_added": .array([]),
                                         "repositories_removed": .array(removed), "requester": .null], sender: sender)
    }
}
