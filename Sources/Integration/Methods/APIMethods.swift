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
            RPCMethod("api.get_user_repositories") { call in
                try await call.site.read { r in .array(try Statistics.repositories(of: call.caller, reader: r).map { .string($0) }) }
            },
        ]
    }
}
