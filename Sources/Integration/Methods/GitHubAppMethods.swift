import Foundation
import Frappe

/// `github_app.*` (ARCHITECTURE §5): connect, configure, sync, plan, disconnect, status. All need
/// GitHub Admin or System Manager; all answer a clear ValidationError when the bench has no App.
enum GitHubAppMethods {
    static func methods(_ context: IntegrationContext) -> [RPCMethod] {
        @Sendable func service() throws -> GitHubAppService {
            guard let app = context.app else {
                throw FrappeError.validation("The GitHub App is not configured on this bench (set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET, GITHUB_APP_URL and GITHUB_SIDECAR_LANDLORD for the sidecar)")
            }
            return app
        }
        /// `ref` as the desk sends it: absent, empty or "None" all mean the branch head.
        @Sendable func ref(_ call: RPCCall) -> String? {
            guard let text = call.args.string("ref")?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text != "None", text != "null" else {
                return nil
            }
            return text
        }
        return [
            RPCMethod("github_app.get_install_url", permission: .admin(to: "connect the GitHub App")) { call in
                return .object(["url": .string(try await service().installURL(site: call.site.name, user: call.caller.user))])
            },
            RPCMethod("github_app.configure", verbs: ["POST"], arguments: ["repository", .optional("branch")],
                      permission: .admin(to: "configure the GitHub App")) { call in
                let repository = try call.args.require("repository").trimmingCharacters(in: .whitespaces)
                let branch = (call.args.string("branch") ?? "").trimmingCharacters(in: .whitespaces)
                return try await service().configure(site: call.site, user: call.caller.user, repository: repository,
                                                     branch: branch.isEmpty ? "main" : branch)
            },
            RPCMethod("github_app.sync_now", verbs: ["POST"], arguments: [.optional("ref")],
                      permission: .admin(to: "sync templates from GitHub")) { call in
                // A job: a large template repository outlives the desk's wait and goes on.
                let job = try await service().queueSyncNow(site: call.site, user: call.caller.user, ref: ref(call))
                await context.jobs.kick(call.site)
                return try await JobAnswer.wait(for: job, site: call.site, bound: context.syncWait)
            },
            RPCMethod("github_app.plan", arguments: [.optional("ref")], permission: .admin(to: "plan a template sync")) { call in
                try await service().plan(site: call.site, user: call.caller.user, ref: ref(call))
            },
            RPCMethod("github_app.disconnect", verbs: ["POST"], permission: .admin(to: "disconnect the GitHub App")) { call in
                try await service().disconnect(site: call.site, user: call.caller.user)
            },
            RPCMethod("github_app.get_status", permission: .admin(to: "see the GitHub App status")) { call in
                guard let app = context.app else { return .object(["connected": .bool(false), "install_configured": .bool(false)]) }
                return try await app.status(site: call.site)
            },
        ]
    }
}
