import Foundation
import Frappe
import MariaDB

/// The whitelisted methods the sidecar answers, by `<module>.<function>` (ARCHITECTURE §5).
/// Methods that need GitHub join this table as the sync lands.
public enum Catalogue {
    public static func methods(_ context: IntegrationContext = IntegrationContext()) -> [RPCMethod] {
        SyncMethods.methods(context) + WebhookMethods.methods(context) + GitHubAppMethods.methods(context) + [
            RPCMethod("setup.install", verbs: ["POST"]) { call in
                try Access.requireAdmin(call, to: "install the GitHub integration")
                return try await Install.run(site: call.site, user: call.caller.user).json
            },
            RPCMethod("github_api.get_sync_statistics") { call in
                try await call.site.read { r in
                    try Access.requireRead(call, reader: r)
                    var out: [String: JSONValue] = [:]
                    for (key, doctype) in statisticsDocTypes { out[key] = .number(Double(try r.count(doctype))) }
                    let last = try r.getSingle("GitHub Settings")["last_sync"]
                    out["last_sync"] = last.json
                    return .object(out)
                }
            },
            RPCMethod("api.get_repository_statistics") { call in
                let repo = try call.args.require("repo_full_name")
                return try await call.site.read { r in
                    try Access.requireRead(call, reader: r)
                    guard try r.count("Repository", where: ["name": .equals(.string(repo))]) > 0 else {
                        throw FrappeError.notFound("Repository \(repo) not found")
                    }
                    let issues = try r.countBy("Repository Issue", "state", where: ["repository": .equals(.string(repo))])
                    let pulls = try r.countBy("Repository Pull Request", "state", where: ["repository": .equals(.string(repo))])
                    let doc = try r.get("Repository", repo)
                    return .object([
                        "repository": .string(repo),
                        "issues": .object(issues.mapValues { .number(Double($0)) }),
                        "pull_requests": .object(pulls.mapValues { .number(Double($0)) }),
                        "total_issues": .number(Double(issues.values.reduce(0, +))),
                        "total_pull_requests": .number(Double(pulls.values.reduce(0, +))),
                        "branches": .number(Double(doc?.children["branches_table"]?.count ?? 0)),
                        "members": .number(Double(doc?.children["members_table"]?.count ?? 0)),
                        "last_synced": doc?["last_synced"].json ?? .null,
                    ])
                }
            },
            RPCMethod("github_api.can_user_sync_repo") { call in
                let repo = try call.args.require("repo_full_name")
                return .bool(try await call.site.read { r in try Access.canAct(on: repo, caller: call.caller, reader: r) })
            },
        ]
    }

    static let statisticsDocTypes = [
        ("repositories", "Repository"), ("issues", "Repository Issue"), ("pull_requests", "Repository Pull Request"),
        ("webhook_deliveries", "GitHub Webhook Delivery"), ("sync_runs", "GitHub Sync Run"),
    ]
}
