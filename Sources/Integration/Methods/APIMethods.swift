import Foundation
import Frappe

/// `erpnext_github_integration.api`: the ERP-side helpers of the seed's `api.py`.
enum APIMethods {
    static func methods(_ context: IntegrationContext) -> [RPCMethod] {
        [
            RPCMethod("api.get_repository_statistics", arguments: ["repo_full_name"], permission: .readRepository) { call in
                let repo = try call.args.require("repo_full_name")
                return try await call.site.read { r in try Statistics.repository(repo, reader: r) }
            },
            RPCMethod("api.create_task_from_github_issue", verbs: ["POST"], arguments: ["issue_name", .optional("task_title")],
                      permission: .can("create", "Task")) { call in
                try await ERPActions(site: call.site, user: call.caller.user)
                    .createTask(issue: try call.args.require("issue_name"), title: call.args.string("task_title"))
            },
            RPCMethod("api.create_project_from_repository", verbs: ["POST"], arguments: ["repo_full_name", .optional("project_name")],
                      permission: .can("create", "Project")) { call in
                try await ERPActions(site: call.site, user: call.caller.user)
                    .createProject(repository: try call.args.require("repo_full_name"), projectName: call.args.string("project_name"))
            },
            RPCMethod("api.bulk_import_github_data", verbs: ["POST"], arguments: ["repo_full_name", "import_type", .optional("force_update")],
                      permission: .admin(to: "import GitHub data in bulk")) { call in
                let type = try call.args.require("import_type")
                guard BulkImport.Kind(rawValue: type) != nil else {
                    throw FrappeError.validation("import_type must be issues or pull_requests, not \(type)")
                }
                // A job: a large repository's import outlives the desk's wait and goes on.
                let arguments: JSONValue = .object(["import_type": .string(type), "force_update": .bool(call.args.bool("force_update"))])
                return try await context.runJob(.bulkImport, target: try call.args.require("repo_full_name"), arguments: arguments, call: call)
            },
            RPCMethod("api.link_github_user_to_erp", verbs: ["POST"], arguments: ["github_username", "erp_user"],
                      permission: .writeUser("erp_user")) { call in
                try await ERPActions(site: call.site, user: call.caller.user)
                    .linkUser(login: try call.args.require("github_username"), to: try call.args.require("erp_user"))
            },
            RPCMethod("api.sync_user_github_profile", verbs: ["POST"]) { call in
                try await PeopleActions(site: call.site, client: context.deskClient(call.site), user: call.caller.user).syncProfile()
            },
            RPCMethod("api.get_user_repositories") { call in
                try await call.site.read { r in .array(try Statistics.repositories(of: call.caller, reader: r).map { .string($0) }) }
            },
        ]
    }
}
