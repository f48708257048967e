import Foundation
import Frappe
import GitHub
import MariaDB

/// What the methods share: one GitHub client per site (one rate-limit budget).
public struct IntegrationContext: Sendable {
    public let github: GitHubConnections
    /// The bench's GitHub App (template sync); nil when `GITHUB_APP_ID` is not set.
    public let app: GitHubAppService?

    public init(github: GitHubConnections = GitHubConnections(), app: GitHubAppService? = nil) {
        self.github = github
        self.app = app
    }

    /// The site's client for a desk request: never sleeps for a rate limit, answers 429 instead.
    func deskClient(_ site: Site) async throws -> GitHubClient {
        try await github.client(for: site).with(rateLimitPolicy: .failFast)
    }
}

/// `github_api.*` and `api.*` methods that talk to GitHub (ARCHITECTURE §5 permissions).
enum SyncMethods {
    static func methods(_ context: IntegrationContext) -> [RPCMethod] {
        [
            RPCMethod("github_api.test_connection") { call in
                try Access.requireAdmin(call, to: "test the GitHub connection")
                let user = try await github { try await context.deskClient(call.site).authenticatedUser() }
                return .object(["success": .bool(true), "user": .string(user.login), "name": .string(user.name ?? "")])
            },
            RPCMethod("github_api.sync_repo", verbs: ["POST"]) { call in
                let repository = try call.args.require("repository")
                try await call.site.read { r in try Access.requireAction(on: repository, call, reader: r, to: "sync") }
                let client = try await context.deskClient(call.site)
                return try await RepositorySync(site: call.site, client: client, repository: repository, trigger: .manual,
                                                user: call.caller.user).run().json
            },
            RPCMethod("github_api.sync_all_repositories", verbs: ["POST"]) { call in
                try Access.requireAdmin(call, to: "sync every repository")
                let client = try await context.github.client(for: call.site)   // background job: waits for a reset
                return try await SyncAll.run(site: call.site, client: client, user: call.caller.user)
            },
            RPCMethod("github_api.fetch_all_repositories", verbs: ["POST"]) { call in
                try Access.requireAdmin(call, to: "import repositories")
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
            RPCMethod("github_api.list_repositories") { call in
                try Access.requireAdmin(call, to: "list GitHub repositories")
                let client = try await context.deskClient(call.site)
                let org = call.args.string("organization")
                let repos = try await github { try await (org.map { client.organizationRepositories($0) } ?? client.userRepositories()).collect() }
                return .array(repos.map { repo in
                    .object(["full_name": .string(repo.fullName ?? repo.name), "name": .string(repo.name), "private": .bool(repo.private ?? false),
                             "html_url": .string(repo.htmlURL ?? ""), "default_branch": .string(repo.defaultBranch ?? "")])
                })
            },
            RPCMethod("github_api.list_branches") { call in
                let (owner, repo) = try ownerRepo(call.args.require("repo_full_name"))
                try await call.site.read { r in try Access.requireRead(call, reader: r) }
                let client = try await context.deskClient(call.site)
                let branches = try await github { try await client.branches(owner: owner, repo: repo).collect() }
                return .array(branches.map { .object(["name": .string($0.name), "sha": .string($0.commit.sha), "protected": .bool($0.protected ?? false)]) })
            },
            RPCMethod("github_api.list_teams") { call in
                try Access.requireAdmin(call, to: "list teams")
                let org = try call.args.require("org_name")
                let client = try await context.deskClient(call.site)
                let teams = try await github { try await client.teams(org: org).collect() }
                return .array(teams.map { .object(["slug": .string($0.slug), "name": .string($0.name ?? $0.slug), "permission": .string($0.permission ?? "")]) })
            },
            RPCMethod("github_api.list_repo_members") { call in
                let (owner, repo) = try ownerRepo(call.args.require("repo_full_name"))
                try await call.site.read { r in try Access.requireRead(call, reader: r) }
                let client = try await context.deskClient(call.site)
                let people = try await github { try await client.collaborators(owner: owner, repo: repo).collect() }
                return .array(people.map { .object(["login": .string($0.login), "role": .string($0.roleName ?? "")]) })
            },
            RPCMethod("github_api.sync_repo_members", verbs: ["POST"]) { call in
                let repository = try call.args.require("repo_full_name")
                try await call.site.read { r in try Access.requireAction(on: repository, call, reader: r, to: "sync members") }
                let client = try await context.deskClient(call.site)
                return try await MemberSync.run(site: call.site, client: client, repository: repository, user: call.caller.user)
            },
            RPCMethod("github_api.get_repository_activity") { call in
                let repository = try call.args.require("repository")
                let days = try call.args.int("days") ?? 30
                return try await call.site.read { r in
                    try Access.requireRead(call, reader: r)
                    return try Activity.summary(repository: repository, days: days, reader: r)
                }
            },
            RPCMethod("api.get_user_repositories") { call in
                try await call.site.read { r in
                    let names: [String]
                    if Access.isAdmin(call.caller) {
                        names = try r.list("Repository", orderBy: "name").compactMap { $0["name"].string }
                    } else {
                        let projects = try r.list("Project User", where: ["user": .equals(.string(call.caller.user)), "parenttype": .equals("Project")],
                                                  fields: ["parent"]).compactMap { $0["parent"].string }
                        guard !projects.isEmpty, try r.meta("Project").field("repository") != nil else { return .array([]) }
                        names = Array(Set(try r.list("Project", where: ["name": .isIn(projects.map { .string($0) }), "repository": .isSet],
                                                     fields: ["repository"]).compactMap { $0["repository"].string })).sorted()
                    }
                    return .array(names.map { .string($0) })
                }
            },
        ]
    }

    static func ownerRepo(_ fullName: String) throws -> (String, String) {
        let parts = fullName.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw FrappeError.validation("Repository must be owner/repo, not \(fullName)") }
        return (parts[0], parts[1])
    }

    /// Runs a GitHub call, turning its errors into Frappe's (429 with the reset time, and so on).
    static func github<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw FrappeError(github: error) }
    }
}

/// `sync_all_repositories`: every Repository, a few at a time, sharing one client (one budget);
/// a run waits for a rate-limit reset rather than failing.
enum SyncAll {
    static let concurrency = 3

    static func run(site: Site, client: GitHubClient, user: String) async throws -> JSONValue {
        let names = try await site.read { r in
            try r.list("Repository", where: ["enabled": .equals(.int(1))], orderBy: "name").compactMap { $0["name"].string }
        }
        var results: [String: JSONValue] = [:]
        try await withThrowingTaskGroup(of: (String, JSONValue).self) { group in
            var queue = names.makeIterator()
            func next() {
                guard let name = queue.next() else { return }
                group.addTask {
                    do {
                        let summary = try await RepositorySync(site: site, client: client, repository: name, trigger: .syncAll, user: user).run()
                        return (name, summary.json)
                    } catch {
                        return (name, .object(["error": .string(FrappeError(github: error).message)]))
                    }
                }
            }
            for _ in 0..<concurrency { next() }
            while let (name, result) = try await group.next() {
                results[name] = result
                next()
            }
        }
        return .object(["repositories": .number(Double(names.count)), "results": .object(results)])
    }
}

/// `sync_repo_members`: collaborators into the repository's members, and into the users of
/// every Project linked to it (matched on `User.github_username`).
enum MemberSync {
    static func run(site: Site, client: GitHubClient, repository: String, user: String) async throws -> JSONValue {
        let (owner, repo) = try SyncMethods.ownerRepo(repository)
        let people = try await SyncMethods.github { try await client.collaborators(owner: owner, repo: repo).collect() }
        return try await site.write(user: user) { w in
            let mirror = Mirror(clock: site.clock)
            let members = people.map { mirror.member($0, repository: repository) }
            try w.upsert([Document("Repository", name: repository, [:], children: ["members_table": members])],
                         childKeys: ["members_table": "github_username"])
            let (mapped, projectsUpdated) = try ProjectMembers.follow(people.map(\.login), repository: repository, writer: w)
            return .object(["members": .number(Double(members.count)), "mapped_users": .number(Double(mapped)),
                            "projects_updated": .number(Double(projectsUpdated))])
        }
    }
}

/// `get_repository_activity`: what changed in the mirror in the last N days.
enum Activity {
    static func summary(repository: String, days: Int, reader r: DocumentWriter) throws -> JSONValue {
        guard try r.get("Repository", repository) != nil else { throw FrappeError.notFound("Repository \(repository) not found") }
        let since = r.clock.local(Date().addingTimeInterval(-Double(max(1, days)) * 86_400))
        func recent(_ doctype: String, _ number: String) throws -> [JSONValue] {
            try r.list(doctype, where: ["repository": .equals(.string(repository))], fields: ["name", number, "title", "state", "updated_at"],
                       orderBy: "updated_at").filter { row in
                guard case .datetime(let t) = row["updated_at"] else { return false }
                return t >= since
            }.reversed().map { row in
                .object(["number": row[number].json, "title": row["title"].json, "state": row["state"].json, "updated_at": row["updated_at"].json])
            }
        }
        let issues = try recent("Repository Issue", "issue_number"), pulls = try recent("Repository Pull Request", "pr_number")
        return .object(["repository": .string(repository), "days": .number(Double(days)),
                        "issues_updated": .number(Double(issues.count)), "pull_requests_updated": .number(Double(pulls.count)),
                        "issues": .array(Array(issues.prefix(10))), "pull_requests": .array(Array(pulls.prefix(10)))])
    }
}

/// The users of every Project linked to a repository follow its collaborators: each collaborator
/// mapped to an ERP user (`User.github_username`) becomes a Project User. Users are only added:
/// a project manager who is not on GitHub keeps their place.
enum ProjectMembers {
    /// (mapped users, projects changed)
    static func follow(_ logins: [String], repository: String, writer w: DocumentWriter) throws -> (Int, Int) {
        let users = try RepositorySync.userMap(w)
        let mapped = Array(Set(logins.compactMap { users[$0] })).sorted()
        guard !mapped.isEmpty, try w.meta("Project").field("repository") != nil else { return (mapped.count, 0) }
        var projectsUpdated = 0
        for project in try w.list("Project", where: ["repository": .equals(.string(repository))]).compactMap({ $0["name"].string }) {
            guard let doc = try w.get("Project", project) else { continue }
            let existing = Set((doc.children["users"] ?? []).compactMap { $0["user"].string })
            let added = mapped.filter { !existing.contains($0) }
            guard !added.isEmpty else { continue }
            var rows = doc.children["users"] ?? []
            for u in added {
                let info = try w.get("User", u)
                rows.append(Document("Project User", ["user": .string(u), "email": info?["email"] ?? .null, "full_name": info?["full_name"] ?? .null]))
            }
            try w.update(Document("Project", name: project, [:], children: ["users": rows]))
            projectsUpdated += 1
        }
        return (mapped.count, projectsUpdated)
    }
}
