import Foundation
import Frappe

/// `setup.install`: what the original app's `after_install` patch set up, done idempotently and
/// without wiping anything an admin configured (ARCHITECTURE §4, `reference/frappe-internals.md` §7).
public enum Install {
    public static let role = "GitHub Admin"

    /// Custom fields the original app created (same names, types and placement, so existing
    /// reports keep working), plus the template-sync marker added per template DocType later.
    public static let customFields: [(dt: String, fieldname: String, label: String, type: String, options: String?, after: String, index: Bool)] = [
        ("Project", "repository", "Repository", "Link", "Repository", "project_name", true),
        ("Task", "github_repo", "GitHub Repository", "Link", "Repository", "project", true),
        ("Task", "github_issue_doc", "GitHub Issue Doc", "Link", "Repository Issue", "github_repo", false),
        ("Task", "github_issue_number", "GitHub Issue Number", "Int", nil, "github_issue_doc", false),
        ("Task", "github_pr_number", "GitHub PR Number", "Int", nil, "github_issue_number", false),
        ("User", "github_username", "GitHub Username", "Data", nil, "username", true),
    ]

    /// The DocTypes GitHub Admin gets full access to through Custom DocPerm.
    public static let managedDocTypes = ["GitHub Settings", "Repository", "Repository Issue", "Repository Pull Request",
                                         "GitHub Webhook Delivery", "GitHub Sync Run", "GitHub Template"]

    public static let defaultSettings: [String: FrappeValue] = [
        "enabled": .int(0), "auth_type": "Personal Access Token", "api_base_url": "https://api.github.com",
        "allow_unsigned_webhooks": .int(0), "default_visibility": "Private",
    ]

    public struct Summary: Sendable {
        public var createdRole = false
        public var createdFields: [String] = []
        public var addedColumns: [String] = []
        public var permissionRows = 0
        public var settingsFilled: [String] = []

        public var json: JSONValue {
            .object(["role_created": .bool(createdRole), "custom_fields_created": .array(createdFields.map(JSONValue.string)),
                     "columns_added": .array(addedColumns.map(JSONValue.string)), "permission_rows_added": .number(Double(permissionRows)),
                     "settings_filled": .array(settingsFilled.map(JSONValue.string))])
        }
    }

    public static func run(site: Site, user: String) async throws -> Summary {
        // 1. Columns first. A column no meta row names yet is harmless; a Custom Field row whose
        //    column does not exist yet would break every concurrent write of that DocType. DDL
        //    commits on its own in MariaDB, and `ADD COLUMN IF NOT EXISTS` makes a re-run safe.
        let added = try await site.write(user: user) { w -> [String] in
            var added: [String] = []
            for dt in Set(customFields.map(\.dt)).sorted() {
                for f in customFields where f.dt == dt {
                    var field = DocField(fieldname: f.fieldname, fieldtype: f.type, label: f.label, options: f.options)
                    field.searchIndex = f.index
                    if try w.addColumnIfMissing(field, to: dt) { added.append("\(dt).\(f.fieldname)") }
                }
            }
            return added
        }
        // 2. Meta rows, permissions and settings, in one transaction.
        var summary = try await site.write(user: user) { w -> Summary in
            var summary = Summary()
            if try w.get("Role", role) == nil {
                summary.createdRole = try insertIfAbsent(Document("Role", name: role, ["role_name": .string(role), "desk_access": .int(1), "is_custom": .int(1)]), w)
            }
            for f in customFields {
                let name = "\(f.dt)-\(f.fieldname)"
                guard try w.get("Custom Field", name) == nil else { continue }
                var values: [String: FrappeValue] = ["dt": .string(f.dt), "fieldname": .string(f.fieldname), "label": .string(f.label),
                                                      "fieldtype": .string(f.type), "insert_after": .string(f.after),
                                                      "is_system_generated": .int(1), "search_index": .int(f.index ? 1 : 0),
                                                      "module": "Erpnext Github Integration"]
                if let o = f.options { values["options"] = .string(o) }
                if try insertIfAbsent(Document("Custom Field", name: name, values), w) { summary.createdFields.append(name) }
            }
            for doctype in managedDocTypes {
                summary.permissionRows += try grantFullAccess(to: role, on: doctype, writer: w)
            }
            // Settings an admin already saved stay; only empty ones get defaults.
            let settings = try w.getSingle("GitHub Settings")
            let missing = defaultSettings.filter { settings[$0.key].isNull || settings[$0.key].text == "" }
            if !missing.isEmpty || settings["modified"].isNull {
                try w.setSingle("GitHub Settings", missing)
                summary.settingsFilled = missing.keys.sorted()
            }
            for dt in Set(customFields.map(\.dt)).union(managedDocTypes) { w.noteMetaChanged(dt) }
            w.noteRolesChanged(for: user)
            return summary
        }
        summary.addedColumns = added
        site.metas.invalidate()
        return summary
    }

    /// Inserts unless another install got there first (two installs at once must both succeed).
    static func insertIfAbsent(_ doc: Document, _ w: DocumentWriter) throws -> Bool {
        do {
            try w.insert(doc)
            return true
        } catch let error as FrappeError where error.type == .duplicateEntryError {
            return false
        }
    }

    /// Adds a full-access Custom DocPerm row for `role`. When the DocType has no Custom DocPerm
    /// yet, its standard DocPerm rows are copied first: in Frappe, any Custom DocPerm row replaces
    /// all standard ones, so adding one alone would take access away from every other role.
    static func grantFullAccess(to role: String, on doctype: String, writer w: DocumentWriter) throws -> Int {
        let flags = ["read", "write", "create", "delete", "report", "export", "print", "email", "share"]
        var added = 0
        let custom = try w.list("Custom DocPerm", where: ["parent": .equals(.string(doctype))], fields: ["name", "role", "permlevel"])
        if custom.isEmpty {
            let columns = ["role", "permlevel", "if_owner", "select", "read", "write", "create", "delete", "submit", "cancel", "amend",
                           "report", "export", "import", "share", "print", "email"]
            for row in try w.list("DocPerm", where: ["parent": .equals(.string(doctype)), "parenttype": .equals("DocType")],
                                  fields: columns, orderBy: "idx") {
                var values: [String: FrappeValue] = ["parent": .string(doctype)]
                for c in columns { values[c] = row[c] }
                try w.insert(Document("Custom DocPerm", values))
                added += 1
            }
        }
        let all = try w.list("Custom DocPerm", where: ["parent": .equals(.string(doctype)), "role": .equals(.string(role)),
                                                       "permlevel": .equals(.int(0))], fields: ["name"])
        if all.isEmpty {
            var values: [String: FrappeValue] = ["parent": .string(doctype), "role": .string(role), "permlevel": .int(0)]
            for f in flags { values[f] = .int(1) }
            if doctype == "GitHub Settings" { values["create"] = .int(1); values["delete"] = .int(0) }
            try w.insert(Document("Custom DocPerm", values))
            added += 1
        } else if let name = all.first?["name"].string {
            var values: [String: FrappeValue] = [:]
            for f in flags { values[f] = .int(1) }
            try w.update(Document("Custom DocPerm", name: name, values))
        }
        return added
    }
}
