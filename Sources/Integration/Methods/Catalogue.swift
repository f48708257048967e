import Foundation
import Frappe

/// Every whitelisted method the sidecar answers, by `<module>.<function>`, one file per module of
/// the Frappe app as `frappe_bridge/erpnext_github_integration/<module>.py` has it (ARCHITECTURE §5).
public enum Catalogue {
    public static func methods(_ context: IntegrationContext = IntegrationContext(), doorbell: Doorbell = .process) -> [RPCMethod] {
        GitHubAPIMethods.methods(context, doorbell: doorbell)
            + APIMethods.methods(context)
            + WebhooksMethods.methods(context, doorbell: doorbell)
            + SetupMethods.methods(context)
            + GitHubAppMethods.methods(context)
    }
}
