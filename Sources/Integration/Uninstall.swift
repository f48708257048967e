import Foundation
import Frappe

/// `setup.uninstall`, the bridge's `before_uninstall`: removes what ``Install`` added that Frappe's
/// own uninstall leaves behind, in one transaction, safe to run twice. Columns stay, as Frappe
/// keeps a removed Custom Field's column; tables and DocType meta are Frappe's to drop next.
public enum Uninstall {
    public struct Summary: Sendable {
        public var permissionRows = 0
        public var customFields: [String] = []
        public var roleAssignments = 0
        public var removedRole = false
        public var settingsRows = 0

        public var json: JSONValue {
            .object(["custom_docperm_rows": .number(Double(permissionRows)), "custom_fields": .array(customFields.map { .string($0) }),
                     "role_assignments": .number(Double(roleAssignments)), "removed_role": .bool(removedRole),
                     "settings_rows": .number(Double(settingsRows))])
        }
    }

    public static func run(site: Site, user: String) async throws -> Summary {
        let summary = try await site.write(user: user) { w -> Summary in
            var summary = Summary()
            for doctype in Install.managedDocTypes {
                summary.permissionRows += try w.deleteWhere("Custom DocPerm", ["parent": .equals(.string(doctype))])
            }
            for f in Install.customFields {
                let name = "\(f.dt)-\(f.fieldname)"
                if try w.get("Custom Field", name) != nil {
                    try w.delete("Custom Field", name)
                    summary.customFields.append(name)
                }
            }
            summary.roleAssignments = try w.deleteWhere("Has Role", ["role": .equals(.string(Install.role))])
            if try w.get("Role", Install.role) != nil {
                try w.delete("Role", Install.role)
                summary.removedRole = true
            }
            // The token and webhook secrets: Frappe drops the DocType, not what `__Auth` holds for it.
            summary.settingsRows = try w.deleteSingleValues("GitHub Settings")
            try w.deletePasswords(of: "GitHub Settings")
            for dt in Set(Install.customFields.map(\.dt)).union(Install.managedDocTypes) { w.noteMetaChanged(dt) }
            w.noteRolesChanged(for: user)
            return summary
        }
        site.metas.invalidate()
        return summary
    }
}
