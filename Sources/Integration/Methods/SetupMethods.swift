import Foundation
import Frappe

/// `erpnext_github_integration.setup`: the idempotent install the bridge's `after_install` calls.
enum SetupMethods {
    static func methods(_ context: IntegrationContext) -> [RPCMethod] {
        [
            RPCMethod("setup.install", verbs: ["POST"], permission: .admin(to: "install the GitHub integration")) { call in
                try await Install.run(site: call.site, user: call.caller.user).json
            },
            RPCMethod("setup.uninstall", verbs: ["POST"], permission: .admin(to: "uninstall the GitHub integration")) { call in
                try await Uninstall.run(site: call.site, user: call.caller.user).json
            },
        ]
    }
}
