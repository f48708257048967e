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
                let client = try await context.deskClient(call.site)
                return try await RepositorySync(site: call.site, client: client, repository: try call.args.require("repository"),
                                                trigger: .manual, user: call.caller.user).run().json
            },
            RPCMethod("github_api.sync_all_repositories", verbs: ["POST"], permission: .admin(to: "sync every repository")) { call in
                let client = try await context.github.client(for: call.site)   // background job: waits for a reset
                return try await SyncAll.run(site: call.site, client: client, user: call.caller.user)
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
            RPCMethod("github_api.list_branches", arguments: ["repo_full_name"], permission: .readRepository) { call in
                let (owner, repo) = try ownerRepo(call.args.require("repo_full_name"))
                let client = try await context.deskClient(call.site)
                let branches = try await github { try await client.branches(owner: owner, repo: repo).collect() }
                return .array(branches.map { .object(["name": .string($0.name), "sha": .string($0.commit.sha), "protected": .bool($0.protected ?? false)]) })
            },
            RPCMethod("github_api.list_teams", arguments: ["org_name"], permission: .admin(to: "list teams")) { call in
                let org = try call.args.require("org_name")
                let client = try await context.deskClient(call.site)
                let teams = try await github { try await client.teams(org: org).collect() }
                return .array(teams.map { .object(["slug": .string($0.slug), "name": .string($0.name ?? $0.slug), "permission": .string($0.permission ?? "")]) })
            },
            RPCMethod("github_api.list_repo_members", arguments: ["repo_full_name"], permission: .readRepository) { call in
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
            RPCMethod("github_api.create_repository_webhook", verbs: ["POST"], arguments: ["repo_full_name", .optional("webhook_url")],
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
}
