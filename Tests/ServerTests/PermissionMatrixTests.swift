import Foundation
import Frappe
import Integration
import TestSupport
import Testing

extension DeskSuites {
    /// Who may call what (ARCHITECTURE §5), method by method, for every kind of caller: a refusal is
    /// a 403 PermissionError and GitHub is not called; an allowed caller gets past the check.
    @Suite("Permission table: role × method", .serialized)
    struct PermissionMatrixTests {
        enum Caller: String, CaseIterable {
            case administrator = "Administrator", githubAdmin = "ghadmin@desk.example", systemManager = "sysman@desk.example"
            case projectMember = "linked@desk.example", projectsUserElsewhere = "unlinked@desk.example", guest = "Guest"
        }

        /// Who gets past each rule.
        static let admins: Set<Caller> = [.administrator, .githubAdmin, .systemManager]
        static let actors: Set<Caller> = admins.union([.projectMember])
        static let repositoryReaders: Set<Caller> = admins
        /// ERPNext's own DocPerm: Projects Users create Tasks and Projects; System Manager and GitHub Admin do not.
        static let projectsUsers: Set<Caller> = [.administrator, .projectMember, .projectsUserElsewhere]
        static let anyUser: Set<Caller> = Set(Caller.allCases).subtracting([.guest])

        /// Every method of the catalogue that Guest may not call, with who may, and arguments that
        /// pass validation. `acts` marks methods whose allowed calls would change GitHub or the site
        /// for the other suites: for those only the refusals are called.
        static func table(_ s: DeskHarness.Running) -> [(method: String, allowed: Set<Caller>, args: [String: JSONValue], acts: Bool)] {
            let repo = JSONValue.string(s.repository)
            return [
                ("setup.install", admins, [:], true), ("setup.uninstall", admins, [:], true),
                ("webhooks.replay_delivery", admins, ["delivery": "none"], false),
                ("github_api.test_connection", admins, [:], false),
                ("github_api.fetch_all_repositories", admins, ["organization": "acme"], true),
                ("github_api.list_repositories", admins, [:], false),
                ("github_api.list_teams", admins, ["org_name": "acme"], false),
                ("github_api.sync_all_repositories", admins, [:], true),
                ("github_api.start_sync_all_repositories", admins, [:], true),
                ("github_api.manage_repo_access", admins, ["repo_full_name": repo, "action": "add_collaborator", "identifier": "acme-dev9"], true),
                ("github_api.create_repository_webhook", admins, ["repo_full_name": repo], true),
                ("api.bulk_import_github_data", admins, ["repo_full_name": repo, "import_type": "issues"], true),
                ("github_api.sync_repo", actors, ["repository": repo], true),
                ("github_api.sync_repo_members", actors, ["repo_full_name": repo], true),
                ("github_api.create_issue", actors, ["repository": repo, "title": "matrix"], true),
                ("github_api.bulk_create_issues", actors, ["repository": repo, "issues": .array([.object(["title": "matrix"])])], true),
                ("github_api.assign_issue", actors, ["repo_full_name": repo, "issue_number": .number(1), "assignees": "acme-dev2"], true),
                ("github_api.create_pull_request", actors, ["repository": repo, "title": "matrix", "head": "main", "base": "main"], true),
                ("github_api.add_pr_reviewer", actors, ["repo_full_name": repo, "pr_number": .number(1), "reviewers": "acme-dev2"], true),
                ("github_api.list_branches", repositoryReaders, ["repo_full_name": repo], false),
                ("github_api.list_repo_members", repositoryReaders, ["repo_full_name": repo], false),
                ("github_api.get_sync_statistics", repositoryReaders, [:], false),
                ("github_api.get_repository_activity", repositoryReaders, ["repository": repo], false),
                ("github_api.list_repository_webhooks", repositoryReaders, ["repo_full_name": repo], false),
                ("github_api.get_github_username_by_email", repositoryReaders, ["email": "dev2@acme.example"], false),
                ("api.get_repository_statistics", repositoryReaders, ["repo_full_name": repo], false),
                ("api.create_task_from_github_issue", projectsUsers, ["issue_name": "none"], false),
                ("api.create_project_from_repository", projectsUsers, ["repo_full_name": "acme/none"], false),
                ("api.link_github_user_to_erp", [.administrator, .systemManager], ["github_username": "acme-dev9", "erp_user": "plain@desk.example"], true),
                ("api.sync_user_github_profile", anyUser, [:], false),
                ("api.get_user_repositories", anyUser, [:], false),
                ("github_api.can_user_sync_repo", anyUser, ["repo_full_name": repo], false),
                ("github_app.get_install_url", admins, [:], false), ("github_app.configure", admins, ["repository": repo], true),
                ("github_app.sync_now", admins, [:], true), ("github_app.plan", admins, [:], false),
                ("github_app.disconnect", admins, [:], true), ("github_app.get_status", admins, [:], false),
            ]
        }

        @Test("the table names every method the sidecar serves")
        func complete() async throws {
            let s = try await DeskHarness.shared.start()
            let served = Set(Catalogue.methods().filter { !$0.allowGuest }.map(\.name))
            #expect(Set(Self.table(s).map(\.method)) == served)
        }

        @Test("each caller gets 403 exactly where the table refuses them", arguments: Caller.allCases)
        func matrix(caller: Caller) async throws {
            let s = try await DeskHarness.shared.start()
            for row in Self.table(s) {
                let allowed = row.allowed.contains(caller)
                if allowed && row.acts { continue }
                let mark = await s.logMark()
                let reply = try await s.call(row.method, as: caller == .guest ? nil : caller.rawValue, json: row.args)
                if allowed {
                    #expect(reply.status != 403 && reply.status != 401, "\(row.method) as \(caller): \(reply.status) \(reply.serverMessage ?? "")")
                } else {
                    #expect(reply.status == 403 && reply.excType == "PermissionError", "\(row.method) as \(caller): \(reply.status)")
                    #expect(await s.mutations(since: mark).isEmpty, "\(row.method) as \(caller) reached GitHub")
                }
            }
        }
    }
}
