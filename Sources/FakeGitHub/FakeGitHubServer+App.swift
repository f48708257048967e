import Foundation

/// What a test or the demo does on "GitHub" itself: push commits, install and uninstall the App.
/// Each call changes the state first and then sends the deliveries GitHub would send (signed with
/// the App's or the hook's secret), returning once they have been answered.
extension FakeGitHubServer {
    /// One commit on `branch` (default: the default branch) changing and deleting (nil) files.
    /// `deliver: false` makes the push without any delivery, as when GitHub drops one.
    @discardableResult
    public func push(_ fullName: String, branch: String? = nil, changes: [String: String?], message: String = "Update templates",
                     author: String = "octocat", deliver: Bool = true) async -> FakePushResult? {
        guard let (result, hooks) = await state.push(fullName, branch: branch, changes: changes, message: message, author: author) else {
            return nil
        }
        if deliver { await WebhookSender.send(hooks, state: state) }
        return result
    }

    /// Installs App `appID` on `account` (every repository it owns, or just `repositories`);
    /// sends `installation.created` and returns the installation id.
    @discardableResult
    public func install(appID: Int64, account: String, repositories: [String]? = nil, sender: String? = nil,
                        members: [String]? = nil) async -> Int64? {
        guard let (id, hooks) = await state.install(appID: appID, account: account, repositories: repositories,
                                                    sender: sender ?? account, members: members) else { return nil }
        await WebhookSender.send(hooks, state: state)
        return id
    }

    /// A web-flow authorization code for `login` (what GitHub adds to the callback as `code` when
    /// the App requests user authorization during installation).
    public func authorizationCode(for login: String) async -> String { await state.authorizationCode(for: login) }

    /// `installation.deleted`: the App is uninstalled; its tokens stop working.
    public func uninstall(_ installationID: Int64, sender: String = "octocat") async {
        await WebhookSender.send(await state.changeInstallation(installationID, action: "deleted", sender: sender), state: state)
    }

    /// `installation.suspend` / `installation.unsuspend`.
    public func suspend(_ installationID: Int64, _ suspended: Bool = true, sender: String = "octocat") async {
        let hooks = await state.changeInstallation(installationID, action: suspended ? "suspend" : "unsuspend", sender: sender)
        await WebhookSender.send(hooks, state: state)
    }

    /// `installation_repositories.removed`.
    public func removeRepositories(_ installationID: Int64, _ names: [String], sender: String = "octocat") async {
        await WebhookSender.send(await state.removeRepositories(installationID, names, sender: sender), state: state)
    }
}

/// The same two actions over HTTP, for the standalone `fake-github` binary (the demo), where no
/// process can call ``FakeGitHubServer/push(_:branch:changes:message:author:deliver:)`` or
/// ``FakeGitHubServer/install(appID:account:repositories:sender:members:)`` in-process.
/// Control routes like `/_fake/log`: not GitHub's, not logged, no latency or budget.
///
/// - `POST /_fake/push` `{"repository": "owner/name", "branch"?: "main", "changes": {"path": "content" | null},
///   "message"?: "…", "author"?: "login"}` → 200 `{"before", "after", "tree", "added", "modified", "removed"}`
///   once the deliveries (repository hooks and App installations covering it) have been answered; 404 for an
///   unknown repository.
/// - `POST /_fake/install` `{"app_id": 1, "account": "login", "repositories"?: ["owner/name"], "sender"?: "login"}`
///   → 201 `{"id": installation id}` once `installation.created` has been answered; 404 for an unknown App.
extension FakeGitHubServer {
    static func appControl(_ request: FakeHTTPRequest, state: FakeGitHubState) async -> FakeHTTPResponse? {
        guard request.method == "POST" else { return nil }
        let route = request.path.hasSuffix("/_fake/push") ? "push" : request.path.hasSuffix("/_fake/install") ? "install" : nil
        guard let route else { return nil }
        guard let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] else {
            return .error(400, "Problems parsing JSON")
        }
        func answer(_ status: Int, _ object: [String: Any]) -> FakeHTTPResponse {
            .json(status, (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
        }
        if route == "push" {
            guard let repository = body["repository"] as? String, let raw = body["changes"] as? [String: Any] else {
                return .error(422, "repository and changes are required")
            }
            var changes: [String: String?] = [:]
            for (path, value) in raw { changes.updateValue(value as? String, forKey: path) }   // JSON null deletes the file
            guard let (result, hooks) = await state.push(repository, branch: body["branch"] as? String, changes: changes,
                                                         message: body["message"] as? String ?? "Update templates",
                                                         author: body["author"] as? String ?? "octocat") else {
                return .error(404, "Not Found")
            }
            await WebhookSender.send(hooks, state: state)
            return answer(200, ["before": result.before, "after": result.after, "tree": result.tree,
                                "added": result.added, "modified": result.modified, "removed": result.removed])
        }
        guard let appID = (body["app_id"] as? Int).map(Int64.init) ?? (body["app_id"] as? String).flatMap(Int64.init), let account = body["account"] as? String else {
            return .error(422, "app_id and account are required")
        }
        guard let (id, hooks) = await state.install(appID: appID, account: account, repositories: body["repositories"] as? [String],
                                                    sender: body["sender"] as? String ?? account) else {
            return .error(404, "Not Found")
        }
        await WebhookSender.send(hooks, state: state)
        return answer(201, ["id": id])
    }
}
