import Foundation
import Frappe
import TestSupport

/// Follows a sync that `sync_repo` answered as queued (a slow machine, a retried attempt) to its end.
enum SyncRunFollow {
    /// The result of job `run` once it has finished; its error, thrown, if it failed.
    static func finished(_ run: String, site: Site) async throws -> Frappe.JSONValue {
        try await waitUntil("sync run \(run) has finished") {
            try await site.read { ["Succeeded", "Failed"].contains(try $0.get("GitHub Sync Run", run)?["status"].string ?? "") }
        }
        guard let row = try await site.read({ try $0.get("GitHub Sync Run", run) }) else { throw TestSetupError("sync run \(run) is gone") }
        guard row["status"].string == "Succeeded" else { throw FrappeError.validation(row["error"].string ?? "sync run \(run) failed") }
        return try Frappe.JSONValue.decode(Data((row["result"].string ?? "{}").utf8))
    }

    /// `message`, or the result of its job when it says the sync goes on in the background.
    static func result(of message: Frappe.JSONValue, site: Site) async throws -> Frappe.JSONValue {
        guard message["queued"] == .bool(true), let run = message["sync_run"]?.string else { return message }
        return try await finished(run, site: site)
    }
}
