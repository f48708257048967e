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
