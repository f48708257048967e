import Foundation
import Frappe
import GitHub

/// `erpnext_github_integration.github_api`: the methods that talk to GitHub, as the seed's
/// `github_api.py` names them (ARCHITECTURE §5 for who may call each).
enum GitHubAPIMethods {
    static func methods(_ context: IntegrationContext, doorbell: Doorbell) -> [RPCMethod] {
        [
            RPCMethod("github_api.test_connection", permission: .admin(to: "test the GitHub connection")) { call in
                let user = try await github { try await context.deskClient(call.site).authenticatedUser() }
                return .object(["success": .bool(true), "user": .string(user.login), "name": .string(user.name ?? "")])
            },
            RPCMethod("github_api.sync_repo", verbs: ["POST"], arguments: ["repository"],
                      permission: .actOnRepository("repository", to: "sync")) { call in
                // A job: the desk waits a bounded time for it, then is told where to follow it.
                let job = try await SyncJobs.enqueue(try call.args.require("repository"), trigger: .manual, user: call.caller.user, site: call.site)
                await context.jobs.kick(call.site)
                return try await JobAnswer.wait(for: job, site: call.site, bound: context.syncWait)
            },
            RPCMethod("github_api.sync_all_repositories", verbs: ["POST"], arguments: [.optional("trigger")],
                      permission: .admin(to: "sync every repository")) { call in
                try await syncAll(call, context: context, trigger: try allTrigger(call.args.string("trigger")))
            },
            RPCMethod("github_api.fetch_all_repositories", verbs: ["POST"], arguments: [.optional("organization")],
                      permission: .admin(to: "import repositories")) { call in
                let org = call.args.string("organization")
                let client = try await context.deskClient(call.site)
                let repos = try await github {
                    try await (org.map { client.organizationRepositories($0) } ?? client.userRepositories(affiliation: "owner")).collect()
                }
                let mirror = Mirror(clock: call.site.clock)
                let docs = repos.map { mirror.repository($0) }
                let summary = try await call.site.write(user: call.caller.user) { try $0.upsert(docs) }
                return .object(["repositories": .array(summary.names.map { .string($0) }), "created": .number(Double(summary.inserted)),
                                "updated": .number(Double(summary.updated))])
            },
            RPCMethod("github_api.list_repositories", arguments: [.optional("organization")],
                      permission: .admin(to: "list GitHub repositories")) { call in
                let client = try await context.deskClient(call.site)
                let org = call.args.string("organization")
                let repos = try await github { try await (org.map { client.organizationRepositories($0) } ?? client.userRepositories()).collect() }
                return .array(repos.map { repo -> JSONValue in
                    .object(["full_name": .string(repo.fullName ?? repo.name), "name": .string(repo.name), "private": .bool(repo.private ?? false),
                             "html_url": .string(repo.htmlURL ?? ""), "default_branch": .string(repo.defaultBranch ?? "")])
                })
            },
            RPCMethod("github_api.list_branches", arguments: ["repo_full_name", .optional("per_page")], permission: .readRepository) { call in
                let (owner, repo) = try ownerRepo(call.args.require("repo_full_name"))
                let client = try await context.deskClient(call.site)
                let branches = try await github { try await client.branches(owner: owner, repo: repo).collect() }
                return .array(branches.map { .object(["name": .string($0.name), "sha": .string($0.commit.sha), "protected": .bool($0.protected ?? false)]) })
            },
            RPCMethod("github_api.list_teams", arguments: ["org_name", .optional("per_page")], permission: .admin(to: "list teams")) { call in
                let org = try call.args.require("org_name")
                let client = try await context.deskClient(call.site)
                let teams = try await github { try await client.teams(org: org).collect() }
                return .array(teams.map { .object(["slug": .string($0.slug), "name": .string($0.name ?? $0.slug), "permission": .string($0.permission ?? "")]) })
            },
            RPCMethod("github_api.list_repo_members", arguments: ["repo_full_name", .optional("per_page")], permission: .readRepository) { call in
                let (owner, repo) = try ownerRepo(call.args.require("repo_full_name"))
                let client = try await context.deskClient(call.site)
                let people = try await github { try await client.collaborators(owner: owner, repo: repo).collect() }
                return .array(people.map { .object(["login": .string($0.login), "role": .string($0.roleName ?? "")]) })
            },
            RPCMethod("github_api.sync_repo_members", verbs: ["POST"], arguments: ["repo_full_name"],
                      permission: .actOnRepository("repo_full_name", to: "sync members")) { call in
                let client = try await context.deskClient(call.site)
                return try await MemberSync.run(site: call.site, client: client, repository: try call.args.require("repo_full_name"),
                                                user: call.caller.user)
            },
            RPCMethod("github_api.get_repository_activity", arguments: ["repository", .optional("days")],
                      permission: .readRepository) { call in
                let repository = try call.args.require("repository")
                let days = try call.args.int("days") ?? 30
                return try await call.site.read { r in try Activity.summary(repository: repository, days: days, reader: r) }
            },
            RPCMethod("github_api.get_sync_statistics", permission: .readRepository) { call in
                try await call.site.read { r in
                    var out: [String: JSONValue] = [:]
                    for (key, doctype) in Statistics.doctypes { out[key] = .number(Double(try r.count(doctype))) }
                    out["last_sync"] = try r.getSingle("GitHub Settings")["last_sync"].json
                    return .object(out)
                }
            },
            RPCMethod("github_api.can_user_sync_repo", arguments: ["repo_full_name"]) { call in
                let repo = try call.args.require("repo_full_name")
                return .bool(try await call.site.read { r in try Access.canAct(on: repo, caller: call.caller, reader: r) })
            },
            RPCMethod("github_api.get_github_username_by_email", arguments: ["email"], permission: .readRepository) { call in
                try await PeopleActions(site: call.site, client: context.deskClient(call.site), user: call.caller.user)
                    .usernameByEmail(try call.args.require("email"))
            },
            RPCMethod("github_api.create_issue", verbs: ["POST"],
                      arguments: ["repository", "title", .optional("body"), .optional("assignees"), .optional("labels")],
                      permission: .actOnRepository("repository", to: "create issues")) { call in
                let issue = IssueActions.NewIssue(title: try call.args.require("title"), body: call.args.string("body"),
                                                  assignees: try ActionSupport.names(call.args, "assignees"),
                                                  labels: try ActionSupport.names(call.args, "labels"))
                return try await IssueActions(site: call.site, client: context.deskClient(call.site), user: call.caller.user)
                    .create(repository: try call.args.require("repository"), issue)
            },
            RPCMethod("github_api.bulk_create_issues", verbs: ["POST"], arguments: ["repository", "issues"],
                      permission: .actOnRepository("repository", to: "create issues")) { call in
                guard let items = try call.args.list("issues"), !items.isEmpty else { throw FrappeError.validation("issues must be a non-empty list") }
                // A job; `sent_since` lets a run after a crash or a long wait find what was already made.
                let arguments: JSONValue = .object(["issues": .array(items),
                                                    "sent_since": .number(Date().addingTimeInterval(-IssueActions.bulkRepeatWindow).timeIntervalSince1970.rounded(.down))])
                return try await context.runJob(.bulkCreate, target: try call.args.require("repository"), arguments: arguments, call: call)
            },
            RPCMethod("github_api.assign_issue", verbs: ["POST"], arguments: ["repo_full_name", "issue_number", "assignees"],
                      permission: .actOnRepository("repo_full_name", to: "assign issues")) { call in
                guard let number = try call.args.int("issue_number"), number > 0 else { throw FrappeError.validation("issue_number must be a positive number") }
                return try await IssueActions(site: call.site, client: context.deskClient(call.site), user: call.caller.user)
                    .assign(repository: try call.args.require("repo_full_name"), number: number, assignees: try ActionSupport.names(call.args, "assignees"))
            },
            RPCMethod("github_api.create_pull_request", verbs: ["POST"],
                      arguments: ["repository", "title", "head", "base", .optional("body")],
                      permission: .actOnRepository("repository", to: "open pull requests")) { call in
                try await PullRequestActions(site: call.site, client: context.deskClient(call.site), user: call.caller.user)
                    .create(repository: try call.args.require("repository"), title: try call.args.require("title"),
                            head: try call.args.require("head"), base: try call.args.require("base"), body: call.args.string("body"))
            },
            RPCMethod("github_api.add_pr_reviewer", verbs: ["POST"], arguments: ["repo_full_name", "pr_number", "reviewers"],
                      permission: .actOnRepository("repo_full_name", to: "request reviewers")) { call in
                guard let number = try call.args.int("pr_number"), number > 0 else { throw FrappeError.validation("pr_number must be a positive number") }
                return try await PullRequestActions(site: call.site, client: context.deskClient(call.site), user: call.caller.user)
                    .addReviewers(repository: try call.args.require("repo_full_name"), number: number,
                                  reviewers: try ActionSupport.names(call.args, "reviewers"))
            },
            RPCMethod("github_api.manage_repo_access", verbs: ["POST"],
                      arguments: ["repo_full_name", "action", "identifier", .optional("permission")],
                      permission: .admin(to: "manage repository access")) { call in
                try await AccessActions(site: call.site, client: context.deskClient(call.site), user: call.caller.user)
                    .manage(repository: try call.args.require("repo_full_name"), action: try call.args.require("action"),
                            identifier: try call.args.require("identifier"), permission: call.args.string("permission") ?? "push")
            },
            RPCMethod("github_api.start_sync_all_repositories", verbs: ["POST"], permission: .admin(to: "sync every repository")) { call in
                try await syncAll(call, context: context, trigger: .syncAll)
            },
            RPCMethod("github_api.create_repository_webhook", verbs: ["POST"],
                      arguments: ["repo_full_name", .optional("webhook_url"), .optional("events")],
                      permission: .admin(to: "manage repository webhooks")) { call in
                try await HookSubscription(site: call.site, client: context.deskClient(call.site))
                    .create(repository: try call.args.require("repo_full_name"), url: call.args.string("webhook_url"))
            },
            RPCMethod("github_api.list_repository_webhooks", arguments: ["repo_full_name"], permission: .readRepository) { call in
                try await HookSubscription(site: call.site, client: context.deskClient(call.site))
                    .list(repository: try call.args.require("repo_full_name"))
            },
        ]
    }

    /// Queues a sync of every enabled repository and answers at once; the jobs wait for GitHub's
    /// rate limit themselves.
    static func syncAll(_ call: RPCCall, context: IntegrationContext, trigger: RepositorySync.Trigger) async throws -> JSONValue {
        let jobs = try await SyncJobs.enqueueAll(trigger: trigger, user: call.caller.user, site: call.site)
        await context.jobs.kick(call.site)
        return .object(["queued": .bool(true), "repositories": .number(Double(jobs.count)),
                        "sync_runs": .object(Dictionary(jobs.map { ($0.repository, JSONValue.string($0.name)) }, uniquingKeysWith: { a, _ in a })),
                        "message": .string("Syncing \(jobs.count) repositories in the background; follow them in the GitHub Sync Run list")])
    }

    /// `trigger` of `sync_all_repositories`: the hourly scheduler entry says "Scheduler"; a person, nothing.
    static func allTrigger(_ given: String?) throws -> RepositorySync.Trigger {
        guard let given, !given.isEmpty else { return .syncAll }
        guard given == RepositorySync.Trigger.scheduler.rawValue else {
            throw FrappeError.validation("trigger must be Scheduler (or left out), not \(given)")
        }
        return .scheduler
    }
}
